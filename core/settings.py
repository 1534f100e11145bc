"""Configuration read from CONFETTI_* environment variables and an optional .env file."""

import secrets
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.stock.models import SHARD_ABOVE

ENV_PREFIX = "CONFETTI_"
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32


class SettingsError(Exception):
    """A setting has a bad value; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./confetti.db"
    database_pool_size: Annotated[int, Field(ge=1, le=500)] = 20
    database_max_overflow: Annotated[int, Field(ge=0, le=500)] = 12
    broker_url: str = "memory://"
    broker_namespace: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")] = "confetti"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    public_url: str = ""
    data_dir: Path = Path("./data")
    secret_key: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    max_body_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024
    log_level: Annotated[str, Field(pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")] = "INFO"
    log_format: Annotated[str, Field(pattern=r"^(json|console)$")] = "json"
    relay_interval_seconds: Annotated[float, Field(gt=0, le=60)] = 0.5
    relay_batch_size: Annotated[int, Field(ge=1, le=10_000)] = 200
    max_deliveries: Annotated[int, Field(ge=1, le=100)] = 5
    retry_delay_seconds: Annotated[float, Field(ge=0, le=300)] = 1.0
    # Messages a second to one chat (Telegram asks for about one; bursts of a few are fine).
    chat_rate_per_chat: Annotated[float, Field(gt=0, le=1000)] = 1.0
    # How long a WhatsApp message whose send was cut short waits for Meta's status webhook to
    # say it went, before it is sent again (workers/chat_sender.py).
    chat_in_doubt_seconds: Annotated[float, Field(ge=1, le=86_400)] = 300
    code_attempts_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 10
    # Share pages: tries at one activity from one network address, whatever cookies it sends.
    # The customers one address may bring to an activity, each with their own tries (1: clearing
    # cookies buys nothing); a shop's wifi or a carrier's NAT puts several people behind one.
    share_visitors_per_address: Annotated[int, Field(ge=1, le=10_000)] = 1
    # An address's tries in the merchant's day, and in one minute before it cools off.
    share_tries_per_address_per_day: Annotated[int, Field(ge=1, le=1_000_000)] = 30
    share_tries_per_address_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 6
    webhook_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5
    # Webhook deliveries in flight at once (at most 4 of them to one endpoint). Each records its
    # outcome over a database connection of its own: keep it within the connection pool.
    webhook_concurrency: Annotated[int, Field(ge=1, le=500)] = 32
    # A coupon template created with more stock than this is sharded (core/stock/models.py).
    stock_shard_above: Annotated[int, Field(ge=1, le=10**9)] = SHARD_ABOVE
    # Off in production: a merchant's webhook URL must not reach into Confetti's own network.
    webhooks_allow_private: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value != "memory://" and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must be memory:// or an amqp:// URL")
        return value

    @field_validator("public_url", "telegram_api_base", "whatsapp_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_KEY_LENGTH} characters")
        return value

    @property
    def base_url(self) -> str:
        """Where share links and console links point: the public URL, else the listen address."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation failure into one line that names the variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raise SettingsError(f"{ENV_PREFIX}{field.upper()}: {first['msg']}") from None
    if not settings.secret_key:
        settings.secret_key = _stored_secret_key(settings.data_dir)
    return settings


def _stored_secret_key(data_dir: Path) -> str:
    """The key kept in the data folder, created with owner-only permissions on first run."""
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        key = path.read_text().strip()
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(f"{path}: the stored secret key is too short; delete it to renew")
        return key
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600, exist_ok=False)
        path.write_text(key + "\n")
    except FileExistsError:
        return _stored_secret_key(data_dir)
    except OSError as exc:
        raise SettingsError(f"{ENV_PREFIX}DATA_DIR: cannot write {path}: {exc.strerror}") from None
    return key
