import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.urls import HttpsUrl

_CURRENCIES = frozenset(list_currencies())


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _CURRENCIES:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA timezone (e.g. Europe/Madrid)") from None
    return value


class MerchantCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    currency: str
    timezone: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)


BrandColor = Annotated[
    str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb", examples=["#5b3bd6"])
]


class MerchantPatch(BaseModel):
    """What a merchant may change of its profile (currency and timezone are fixed: amounts and
    days already recorded depend on them)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    brand_color: BrandColor | None = None
    logo_url: HttpsUrl | None = None


class MerchantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    currency: str
    timezone: str
    brand_color: str | None
    logo_url: str | None
    created_at: datetime


class ApiKeyCreate(BaseModel):
    name: str = Field(default="API key", min_length=1, max_length=100)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself. It is shown only this once.")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]
