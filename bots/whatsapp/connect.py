"""Connecting a merchant's WhatsApp Cloud API number: the Graph API proves the number id and
token (and gives the display number), then the account is saved with its sealed credentials.
Meta is told the webhook URL by the merchant, in Meta's own console."""

import uuid

from bots.whatsapp.api import verify_number
from core.channels import service
from core.channels.models import ChannelAccount
from core.channels.schemas import WhatsAppConnect
from core.crypto import Sealer
from core.db import Database


async def connect_number(
    db: Database, sealer: Sealer, *, merchant_id: uuid.UUID, data: WhatsAppConnect, api_base: str
) -> ChannelAccount:
    display = await verify_number(api_base, data.phone_number_id, data.access_token)
    settings: dict[str, object] = {"rate_per_second": data.rate_per_second}
    if data.template is not None:
        settings["template"] = data.template.model_dump()
    async with db.transaction() as session:
        return await service.save_account(
            session,
            sealer,
            merchant_id=merchant_id,
            channel="whatsapp",
            external_id=data.phone_number_id,
            name=data.display_phone_number or display,
            credentials={"access_token": data.access_token, "app_secret": data.app_secret},
            webhook_secret=data.verify_token,
            settings=settings,
        )
