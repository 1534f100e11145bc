"""Behind https (the public URL says so, whatever the proxy forwards): the session cookie is
Secure, and forms from the public origin are accepted."""

import pytest

from tests.fixtures.databases import make_settings
from tests.web.console.test_accounts import SIGN_UP

PUBLIC_URL = "https://promo.shop.example"


@pytest.fixture
def settings(tmp_path, database_url):
    return make_settings(tmp_path, database_url, public_url=PUBLIC_URL)


async def test_the_session_cookie_is_secure_when_the_console_is_served_over_https(client) -> None:
    _, response = await client.post("/console/signup", data=SIGN_UP, headers={"Origin": PUBLIC_URL})
    assert response.status == 303
    assert "secure" in response.headers["set-cookie"].lower()
