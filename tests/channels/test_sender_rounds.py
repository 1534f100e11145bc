"""The chat sender's rounds on a busy machine: a round ends only when every chat it took is done
(one chat's failure does not leave the others' sends running), and a chat is in one round's
hands at a time, so a message is never sent twice by one process."""

import asyncio
import time
import uuid

from sqlalchemy import select

from bots.conversation.messages import Reply
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.outgoing import queue_messages
from tests.channels.chats import TelegramChat
from workers.chat_sender import ChatSender


class SlowAndFailing:
    """Telegram's sender on a loaded machine: each send takes `delay` seconds, and a send to
    `broken` fails with an error no delivery rule knows (a bug, a dropped database link)."""

    def __init__(self, real, *, delay: float, broken: str | None = None) -> None:
        self.real, self.delay, self.broken = real, delay, broken
        self.reports_status = real.reports_status

    async def send(self, account, credentials, address, reply, **options):
        await asyncio.sleep(self.delay)
        if address == self.broken:
            raise RuntimeError("the connection to the database was lost")
        return await self.real.send(account, credentials, address, reply, **options)


async def telegram_chats(shop, fake_telegram, count: int) -> list[TelegramChat]:
    chats = [TelegramChat(shop, fake_telegram, who) for who in range(count)]
    for chat in chats:
        await chat.connect()
    return chats


async def queue_prizes(shop, chats: list[TelegramChat]) -> list[int]:
    async with shop.db.transaction() as session:
        account = await session.get(ChannelAccount, uuid.UUID(chats[0].account["id"]))
        for chat in chats:
            body = Reply(text=f"You won, {chat.user_id}").model_dump(mode="json")
            await queue_messages(
                session,
                account,
                str(chat.user_id),
                [body],
                purpose="notification",
                customer_id=None,
            )
        rows = await session.execute(select(OutgoingMessage.id).order_by(OutgoingMessage.id))
        return list(rows.scalars())


def sender_of(app, wrapped) -> ChatSender:
    senders = {**app.ctx.channels.senders, "telegram": wrapped}
    return ChatSender(
        app.ctx.db, app.ctx.channels.sealer, senders, holder=f"test-{time.monotonic()}"
    )


async def statuses(shop) -> dict[str, str]:
    async with shop.db.transaction(write=False) as session:
        rows = await session.execute(select(OutgoingMessage.address, OutgoingMessage.status))
        return dict(rows.all())


async def test_two_rounds_at_once_send_each_message_once(app, shop, fake_telegram):
    chats = await telegram_chats(shop, fake_telegram, 3)
    await queue_prizes(shop, chats)
    sender = sender_of(app, SlowAndFailing(app.ctx.channels.senders["telegram"], delay=0.3))

    # The second round starts while the first is still sending (as after a round that gave
    # up early): it finds every chat in the first one's hands.
    first = asyncio.create_task(sender.send_due())
    await asyncio.sleep(0.1)
    second = await sender.send_due()
    assert (await first, second) == (3, 0)

    for chat in chats:
        assert len(fake_telegram.sent("sendMessage", chat_id=chat.user_id)) == 1
    assert set((await statuses(shop)).values()) == {"sent"}


async def test_one_chat_failing_ends_the_round_only_when_the_others_are_done(
    app, shop, fake_telegram
):
    chats = await telegram_chats(shop, fake_telegram, 3)
    await queue_prizes(shop, chats)
    broken = str(chats[0].user_id)
    real = app.ctx.channels.senders["telegram"]
    sender = sender_of(app, SlowAndFailing(real, delay=0.3, broken=broken))

    assert await sender.send_due() == 2
    # Nothing of the round is still running: the others were sent and recorded, and the
    # broken chat's message waits for a later round.
    assert await statuses(shop) == {
        broken: "pending",
        str(chats[1].user_id): "sent",
        str(chats[2].user_id): "sent",
    }
    sender.senders["telegram"] = real
    assert await sender.send_due() == 1
    for chat in chats:
        assert len(fake_telegram.sent("sendMessage", chat_id=chat.user_id)) == 1
