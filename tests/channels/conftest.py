import pytest

from tests.activities.shop import shop  # noqa: F401  (the shared fixture)
from tests.fixtures.databases import make_settings
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)


@pytest.fixture
def settings(tmp_path, database_url, fake_telegram, fake_whatsapp):
    """Confetti on a public https URL (Telegram insists), talking to the fake platforms."""
    return make_settings(
        tmp_path,
        database_url,
        public_url="https://confetti.test",
        telegram_api_base=fake_telegram.base_url,
        whatsapp_api_base=f"{fake_whatsapp.base_url}/v21.0",
    )
