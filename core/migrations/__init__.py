"""Alembic migrations, run programmatically so they ship inside the installed package.

This package sits above every domain: it imports all their models, so that `Base.metadata`
is complete when migrations compare it with the database (and when tests truncate tables).
"""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

import core.activities.models
import core.channels.models
import core.codes.models
import core.coupons.models
import core.customers.models
import core.events.models
import core.idempotency.models
import core.jobs.models
import core.leases.models
import core.merchants.models
import core.points.models
import core.redemptions.models
import core.staff.models
import core.stats.models
import core.stock.models
import core.webhooks.models  # noqa: F401
from core.db import Database
from core.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent

# Alembic is imported where it is used: every `confetti` command imports this package (through
# web.cli), and only `migrate` needs alembic, which costs about 0.15 s a process.


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(db: Database) -> None:
    from alembic import command

    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), "head"))


def load_all_models() -> type[Base]:
    """The declarative base, with every domain's tables in its metadata."""
    return Base
