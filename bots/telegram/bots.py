"""aiogram Bot objects, one per merchant bot token, all pointed at the configured Bot API server
(`CONFETTI_TELEGRAM_API_BASE`; tests use a fake one), and all sending over one HTTP session:
every merchant's bot talks to the same server, so they share its pooled connections."""

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


class TelegramBots:
    def __init__(self, api_base: str, *, timeout: float = 10.0) -> None:
        self._api = TelegramAPIServer.from_base(api_base)
        self._timeout = timeout
        # Made with the first bot: building its TLS context costs about 20 ms of CPU, which every
        # app and worker would pay even when no merchant has a Telegram bot.
        self._session: AiohttpSession | None = None
        self._bots: dict[str, Bot] = {}

    def bot(self, token: str) -> Bot:
        bot = self._bots.get(token)
        if bot is None:
            bot = self._bots[token] = Bot(token, session=self._pooled_session())
        return bot

    def _pooled_session(self) -> AiohttpSession:
        # aiogram opens the session's connection pool on first use, and again after `close`.
        if self._session is None:
            self._session = AiohttpSession(api=self._api, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._bots.clear()
