from dataclasses import dataclass

from core.errors import ConfettiError, Conflict, NotFound, Problem, ValidationFailed

# A bad file may have a bad row on every line: the message shows this many.
MAX_ROWS_IN_MESSAGE = 20


class BatchNotFound(NotFound):
    code = "batch_not_found"
    message = "No code batch with that id."


class CodeNotFound(NotFound):
    code = "code_not_found"
    message = "That code does not exist."


class CodeUsed(Conflict):
    code = "code_used"
    message = "That code has already been used."


class CodeExpired(Conflict):
    code = "code_expired"
    message = "That code is no longer valid."


class CodeNotYetValid(Conflict):
    code = "code_not_yet_valid"
    message = "That code is not valid yet."


class CodeNotRedeemable(Conflict):
    code = "code_not_redeemable"
    message = "Partner codes are handed out, not redeemed here."


class CodeLimitReached(Conflict):
    code = "limit_reached"

    def __init__(self, limit: int) -> None:
        codes = "code" if limit == 1 else "codes"
        super().__init__(
            f"This customer has already had {limit} {codes} of this batch (redeemed or handed "
            "out), the most one customer may have."
        )
        self.params["limit"] = limit


class NoCodesLeft(Conflict):
    code = "out_of_stock"
    message = "Every code of this batch has been handed out."


class WrongBatchKind(Conflict):
    code = "wrong_batch_kind"


class TooManyAttempts(ConfettiError):
    code = "too_many_attempts"
    status = 429
    message = "Too many wrong codes; wait a minute and try again."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.headers["Retry-After"] = str(retry_after)


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str


class ImportRejected(ValidationFailed):
    code = "import_rejected"

    def __init__(self, rows: list[BadRow]) -> None:
        listed = [f"line {row.line}: {row.problem}" for row in rows]
        more = len(listed) - MAX_ROWS_IN_MESSAGE
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"Nothing was imported. {'; '.join(listed[:MAX_ROWS_IN_MESSAGE])}{suffix}",
            field="file",
            problems=[Problem("file", problem) for problem in listed],
        )
