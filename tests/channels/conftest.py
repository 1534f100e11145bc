import pytest

from bots.channels import ChatChannels
from tests.activities.shop import shop  # noqa: F401  (the shared fixture)
from tests.channels.chats import CHATS, Chat
from tests.fixtures.databases import make_settings
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)
from workers.runtime import WorkerRuntime
from workers.schedules import SCHEDULED_JOBS


@pytest.fixture
def settings(tmp_path, database_url, fake_telegram, fake_whatsapp):
    """Confetti on a public https URL (Telegram insists), talking to the fake platforms."""
    return make_settings(
        tmp_path,
        database_url,
        public_url="https://confetti.test",
        telegram_api_base=fake_telegram.base_url,
        whatsapp_api_base=f"{fake_whatsapp.base_url}/v21.0",
        # Not what the sender's manners are tested with (tests/core/test_ratelimit.py): these
        # tests follow conversations, and a real chat's one message a second would slow them.
        chat_rate_per_chat=50.0,
    )


@pytest.fixture
async def worker(shop, app, settings):  # noqa: F811
    """The workers with the chat channels, and the one timed job the tests need: jobs.run.

    The worker has platform clients of its own, as a `confetti worker` process does: the test
    client starts and stops the app around every request, and the app's stop closes the app's
    clients, which would cut the worker's sends short mid-call (and Telegram's then go twice)."""
    jobs = [job for job in SCHEDULED_JOBS if job.name == "jobs.run"]
    channels = ChatChannels(settings)
    runtime = WorkerRuntime(settings, shop.db, app.ctx.broker, jobs=jobs, channels=channels)
    await runtime.start()
    yield runtime
    await runtime.stop()
    await channels.close()


@pytest.fixture(params=sorted(CHATS))
async def chat(request, shop, fake_telegram, fake_whatsapp, worker):  # noqa: F811
    """A customer on each channel in turn, with a worker answering and sending."""
    fake = {"telegram": fake_telegram, "whatsapp": fake_whatsapp}.get(request.param)
    conversation = CHATS[request.param](shop, fake)
    await conversation.connect()
    return conversation


async def another_customer(chat: Chat, who: int) -> Chat:
    """Someone else on the same channel, writing to the same bot or number."""
    friend = type(chat)(chat.shop, chat.fake, who)
    await friend.connect()
    return friend
