import pytest

from bots.conversation.messages import Incoming
from bots.conversation.router import converse
from core.merchants.models import Merchant
from tests.activities.shop import wheel


async def say(shop, kind, text="", option=None, address="web-1"):
    async with shop.db.transaction() as session:
        merchant = await session.get(Merchant, shop.merchant.id)
        incoming = Incoming(
            channel="web",
            merchant_id=merchant.id,
            account_id=None,
            address=address,
            kind=kind,
            text=text,
            option=option,
        )
        return await converse(session, merchant, None, incoming, settings=shop.settings)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_smoke(shop, settings):
    shop.settings = settings
    activity = await shop.live(wheel())
    replies = await say(shop, "start", activity["slug"])
    print(replies)
    spin = replies[0].options[0].id
    replies = await say(shop, "button", option=spin)
    print(replies)
    print(await say(shop, "button", option="cp"))
    print(await say(shop, "button", option="pt"))
    print(await say(shop, "button", option="code"))
    print(await say(shop, "text", text="NOPE-123"))
    print(await say(shop, "button", option="l:es"))
    print(await say(shop, "text", text="2"))
    print(await say(shop, "button", option="p:garbage"))
