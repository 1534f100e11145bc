from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from core.merchants.schemas import MerchantCreate

MIN_PASSWORD_LENGTH = 10


def _normal_email(value: str) -> str:
    """Emails compare case-insensitively: one person, one account, however they type it."""
    return value.strip().lower()


Email = Annotated[
    str,
    Field(max_length=254, pattern=r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"),
    AfterValidator(_normal_email),
]


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)


class SignUp(MerchantCreate, StaffCreate):
    """A new merchant and its owner, from the console's sign-up form."""


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: str = Field(min_length=1, max_length=200)
