"""Wake a waiting loop when a commit wrote rows it cares about (outbox events, chat messages),
instead of leaving them until its next poll. Rolled-back work wakes nobody."""

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "confetti_commit_signals"
_listeners: defaultdict[str, list[Callable[[], None]]] = defaultdict(list)


def signal_on_commit(session: AsyncSession | Session, name: str) -> None:
    session.info.setdefault(_KEY, set()).add(name)


def on_commit(name: str, listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after any commit that raised `name`; returns the unregister function."""
    _listeners[name].append(listener)
    return lambda: _listeners[name].remove(listener)


@sa_event.listens_for(Session, "after_commit")
def _notify(session: Session) -> None:
    for name in session.info.pop(_KEY, ()):
        for listener in list(_listeners[name]):
            listener()


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
