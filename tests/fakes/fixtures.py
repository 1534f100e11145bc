"""Pytest fixtures that run the fake Telegram and WhatsApp servers on 127.0.0.1, port 0."""

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest_asyncio.fixture
async def fake_whatsapp() -> AsyncIterator[FakeWhatsApp]:
    fake = FakeWhatsApp()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
