"""Sold-out marks: what this process knows has run out, so a take of it is refused from memory.

A flash sale's stock goes in seconds; after that, every claim would still cost a database round
trip to learn what the last one already learnt. `take_stock` marks an owner when it finds fewer
units than it asked for, and refuses the next take of as many or more without asking the
database. Marks are cleared when units come back (`units_returned`): on commit of a transaction
that returned, topped up or re-created stock, and on rollback of one that took some.
`core.stock.fanout` carries that news to every other process through the broker.

One `SoldOutMarks` belongs to each `Database` (one per process), which hands it to its sessions
in `session.info`. A mark also lapses after `MARK_SECONDS`: should news of returned units be
lost (the broker down), a process refuses them at most that long, and a still sold-out owner
costs one round trip per process per lapse.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.stock.models import StockOwner

MARK_SECONDS = 5.0
SESSION_KEY = "confetti_sold_out"

OwnerKey = tuple[str, uuid.UUID]


def key_of(owner: StockOwner) -> OwnerKey:
    return owner.kind, owner.id


@dataclass(frozen=True)
class _Mark:
    merchant_id: uuid.UUID
    below: int  # fewer than this many units are left
    until: float


class SoldOutMarks:
    def __init__(self) -> None:
        self._marks: dict[OwnerKey, _Mark] = {}
        # Counts clears: a clear that arrives while a take is on its way to the database wins
        # over the stale "none left" that the take then brings back.
        self._generation = 0
        self._listeners: list[Callable[[list[OwnerKey]], None]] = []

    def generation(self) -> int:
        """Read before a take goes to the database, and given back to `mark`."""
        return self._generation

    def mark(self, owner: StockOwner, quantity: int, *, seen_at: int) -> None:
        """The database said fewer than `quantity` units of `owner` are left."""
        if seen_at != self._generation:
            return
        current = self._marks.get(key_of(owner))
        below = min(quantity, current.below) if current else quantity
        self._marks[key_of(owner)] = _Mark(
            owner.merchant_id, below, time.monotonic() + MARK_SECONDS
        )

    def is_sold_out(self, owner: StockOwner, quantity: int = 1) -> bool:
        """Whether `quantity` units are known not to be there. Only the owner's merchant is
        told: another merchant's request naming the id learns nothing from a refusal."""
        key = key_of(owner)
        found = self._marks.get(key)
        if found is None or found.merchant_id != owner.merchant_id:
            return False
        if found.until < time.monotonic():
            del self._marks[key]
            return False
        return quantity >= found.below

    def clear(self, keys: list[OwnerKey]) -> None:
        """Units of these owners are back, here or (heard through the fanout) elsewhere."""
        self._generation += 1
        for key in keys:
            self._marks.pop(key, None)

    def units_returned(self, keys: list[OwnerKey]) -> None:
        """Clear here, and tell the listeners (the fanout to other processes)."""
        self.clear(keys)
        for listener in list(self._listeners):
            listener(keys)

    def on_units_returned(self, listener: Callable[[list[OwnerKey]], None]) -> Callable[[], None]:
        """Call `listener` whenever units come back here; returns the unregister function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)


def marks_of(session: AsyncSession | Session) -> SoldOutMarks:
    """The marks of the session's database (a session made elsewhere gets marks of its own)."""
    marks = session.info.get(SESSION_KEY)
    if marks is None:
        marks = session.info[SESSION_KEY] = SoldOutMarks()
    return marks
