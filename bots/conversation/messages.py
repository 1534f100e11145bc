"""What goes into and comes out of the conversation layer: channel-neutral, serializable.

Adapters turn a platform's update into an `Incoming` and render each `Reply` in the platform's
own way (Telegram inline keyboards, WhatsApp reply buttons or lists, the web chat's buttons).
"""

import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Channel = Literal["telegram", "whatsapp", "web"]
# Telegram's callback_data holds 1-64 bytes; every option id must fit it.
OPTION_ID = re.compile(r"^[\x21-\x7e]{1,64}$")


class Incoming(BaseModel):
    """One thing a customer did: started with a payload, typed text, or pressed a button."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    merchant_id: uuid.UUID
    account_id: uuid.UUID | None = Field(description="The merchant's bot or number; web has none")
    address: str = Field(min_length=1, max_length=128, description="Who, on that channel")
    kind: Literal["start", "text", "button"]
    text: str = Field(default="", max_length=4096, description="Typed text or start payload")
    option: str | None = Field(default=None, max_length=256, description="The pressed option id")
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16, description="The app's language")
    ack: str | None = Field(
        default=None, max_length=128, description="The platform's id to acknowledge (a callback)"
    )


class Option(BaseModel):
    """A button the customer can press; its id comes back in `Incoming.option`."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str

    @field_validator("id")
    @classmethod
    def _fits_every_channel(cls, value: str) -> str:
        if not OPTION_ID.match(value):
            raise ValueError("an option id is 1-64 printable ASCII characters")
        return value


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    url: str


class Reply(BaseModel):
    """One message to the customer."""

    model_config = ConfigDict(frozen=True)

    text: str
    image_url: str | None = None
    options: tuple[Option, ...] = ()
    link: Link | None = None
    # A name for this message, so a later reply can replace it ("spinning..." → the result).
    key: str | None = None
    # Replace the message named so, where the channel can edit; elsewhere send anew.
    replaces: str | None = None
