"""A transaction the database aborted to break a deadlock is run again, a bounded number of
times; other database errors are not."""

from types import SimpleNamespace

import pytest
from sqlalchemy.exc import DBAPIError

from web.retry import ATTEMPTS, DatabaseBusy, retried_on_conflict


class _Aborted(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _failing(times: int, sqlstate: str = "40P01"):
    calls = []

    async def handler(request, **kwargs):
        calls.append(kwargs)
        if len(calls) <= times:
            raise DBAPIError("UPDATE ...", {}, _Aborted(sqlstate))
        return "answered"

    return handler, calls


REQUEST = SimpleNamespace(path="/api/v1/x", stream=SimpleNamespace(response=None))


async def test_a_deadlocked_request_is_run_again_until_it_goes_through() -> None:
    handler, calls = _failing(times=2)
    assert await retried_on_conflict(handler)(REQUEST, template_id="t") == "answered"
    assert calls == [{"template_id": "t"}] * 3


async def test_a_request_that_keeps_deadlocking_gets_503_after_a_bounded_number_of_runs() -> None:
    handler, calls = _failing(times=100, sqlstate="40001")
    with pytest.raises(DatabaseBusy) as refused:
        await retried_on_conflict(handler)(REQUEST)
    assert len(calls) == ATTEMPTS
    assert (refused.value.status, refused.value.headers["Retry-After"]) == (503, "1")


async def test_other_database_errors_are_not_retried() -> None:
    handler, calls = _failing(times=1, sqlstate="23505")
    with pytest.raises(DBAPIError):
        await retried_on_conflict(handler)(REQUEST)
    assert len(calls) == 1


async def test_a_streamed_answer_already_begun_is_not_retried() -> None:
    handler, calls = _failing(times=1)
    streaming = SimpleNamespace(path="/x", stream=SimpleNamespace(response=object()))
    with pytest.raises(DBAPIError):
        await retried_on_conflict(handler)(streaming)
    assert len(calls) == 1
