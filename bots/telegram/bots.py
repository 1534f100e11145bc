"""aiogram Bot objects, one per merchant bot token, all pointed at the configured Bot API server
(`CONFETTI_TELEGRAM_API_BASE`; tests use a fake one), and all sending over one HTTP session:
every merchant's bot talks to the same server, so they share its pooled connections."""

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


class TelegramBots:
    def __init__(self, api_base: str, *, timeout: float = 10.0) -> None:
        # aiogram opens the session's connection pool on first use, and again after `close`.
        self._session = AiohttpSession(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
        self._bots: dict[str, Bot] = {}

    def bot(self, token: str) -> Bot:
        bot = self._bots.get(token)
        if bot is None:
            bot = self._bots[token] = Bot(token, session=self._session)
        return bot

    async def close(self) -> None:
        await self._session.close()
        self._bots.clear()
