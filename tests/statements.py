"""What a piece of code asked the database: every statement, as sent."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from core.db import Database


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
