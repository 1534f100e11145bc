"""Pages in a real browser: Debian's chromium driven by Playwright (never a downloaded browser),
against the app on Sanic's own server on a free port.

Chromium missing: the browser tests skip with the reason, except under CI=true, where they fail
(`.ci/run` installs it). Every test gets a phone-sized and a desktop-sized page; `shoot` saves a
screenshot of each under the run's output directory (CONFETTI_TEST_OUTPUT, else test-output/).
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sanic import Sanic

from tests.activities.shop import Shop
from tests.fixtures.services import unreachable
from tests.web.conftest import app, memory_broker  # noqa: F401  (the same app fixtures)
from tests.web.serving import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
OUTPUT = Path(os.environ.get("CONFETTI_TEST_OUTPUT", Path(__file__).parents[2] / "test-output"))


@pytest.fixture
def backend() -> str:
    """SQLite only: what these tests show is the pages; the rules behind them are tested on
    both databases elsewhere."""
    return "sqlite"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        unreachable("chromium", f"{CHROMIUM} is missing: apt-get install -y chromium")
    return str(CHROMIUM)


@pytest.fixture
async def base_url(app: Sanic) -> AsyncIterator[str]:  # noqa: F811
    """The app on its real HTTP server: what a browser, and a link previewer, talk to."""
    async with serving(app) as url:
        yield url


@pytest.fixture
async def browser(chromium_path: str):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def phone(browser):
    context = await browser.new_context(**PHONE)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def desktop(browser):
    context = await browser.new_context(**DESKTOP)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def shop(client, db) -> Shop:
    return await Shop(client, db).open()


@pytest.fixture
def client(app: Sanic):  # noqa: F811
    return app.asgi_client


@pytest.fixture
def shoot(request: pytest.FixtureRequest):
    """`await shoot(page, "share-wheel")`: a full-page screenshot, named by test and width."""
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    async def take(page, name: str) -> Path:
        width = page.viewport_size["width"]
        path = folder / f"{name}-{width}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    return take
