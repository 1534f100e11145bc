import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

BOT_TOKEN = r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$"
PRINTABLE = r"^[\x21-\x7e]+$"


class TelegramConnect(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"token": "123456789:AAE-example-token-from-BotFather"}]},
    )
    token: str = Field(pattern=BOT_TOKEN, description="The bot token BotFather gave you")


class WhatsAppTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field(default="en", min_length=2, max_length=16)


class WhatsAppConnect(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "phone_number_id": "106540352242922",
                    "access_token": "EAAG...",
                    "app_secret": "0123456789abcdef0123456789abcdef",
                    "verify_token": "a-long-random-string-you-choose",
                    "display_phone_number": "+1 555 010 0199",
                }
            ]
        },
    )
    phone_number_id: str = Field(pattern=r"^[0-9]{5,30}$")
    # Printable ASCII only: they travel in HTTP headers.
    access_token: str = Field(min_length=10, max_length=1000, pattern=PRINTABLE)
    app_secret: str = Field(min_length=8, max_length=200, pattern=PRINTABLE)
    verify_token: str = Field(min_length=8, max_length=200, pattern=PRINTABLE)
    display_phone_number: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{4,32}$")
    template: WhatsAppTemplate | None = Field(
        default=None,
        description="An approved template with one body parameter, used outside the 24-hour "
        "window (else such messages are skipped)",
    )
    rate_per_second: Annotated[StrictInt, Field(ge=1, le=1000)] = 80


class ChannelAccountOut(BaseModel):
    id: uuid.UUID
    channel: Literal["telegram", "whatsapp"]
    name: str = Field(description="The bot's @username or the number as customers see it")
    external_id: str = Field(description="The bot id or the WhatsApp phone number id")
    webhook_url: str
    deep_link: str = Field(description="Where customers start a conversation")
    settings: dict
    created_at: datetime


class ChannelAccountList(BaseModel):
    items: list[ChannelAccountOut]
