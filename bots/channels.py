"""The chat platforms as one process sees them: the Telegram bots, the WhatsApp client, the
sealer for their credentials, and a sender per channel. Built once per process."""

from bots.delivery import ChannelSender
from bots.telegram.bots import TelegramBots
from bots.telegram.sender import TelegramSender
from bots.whatsapp.api import WhatsAppSender
from core.crypto import Sealer
from core.settings import Settings


class ChatChannels:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sealer = Sealer(settings.secret_key)
        self.telegram = TelegramBots(settings.telegram_api_base)
        self.senders: dict[str, ChannelSender] = {
            "telegram": TelegramSender(self.telegram),
            "whatsapp": WhatsAppSender(settings.whatsapp_api_base),
        }

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.close()
