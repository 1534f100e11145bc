"""aiogram Bot objects, one per merchant bot token, all pointed at the configured Bot API server
(`CONFETTI_TELEGRAM_API_BASE`; tests use a fake one)."""

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


class TelegramBots:
    def __init__(self, api_base: str, *, timeout: float = 10.0) -> None:
        self._server = TelegramAPIServer.from_base(api_base)
        self._timeout = timeout
        self._bots: dict[str, Bot] = {}

    def bot(self, token: str) -> Bot:
        bot = self._bots.get(token)
        if bot is None:
            session = AiohttpSession(api=self._server, timeout=self._timeout)
            bot = self._bots[token] = Bot(token, session=session)
        return bot

    async def close(self) -> None:
        for bot in self._bots.values():
            await bot.session.close()
        self._bots.clear()
