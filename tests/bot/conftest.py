import pytest

from tests.activities.shop import shop  # noqa: F401  (the shared fixture)
from tests.bot.staff import StaffChats
from tests.channels.conftest import settings, worker  # noqa: F401  (same chat fixtures)
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)


@pytest.fixture
async def staff(shop, fake_telegram, worker):  # noqa: F811
    """The merchant's bot connected, and people to write to it: staff to be, and customers."""
    chats = StaffChats(shop, fake_telegram)
    await chats.connect()
    return chats
