from core.errors import BadRequest, Conflict

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyRequired(BadRequest):
    code = "idempotency_key_required"
    message = f"Send an {HEADER} header (up to {MAX_KEY_LENGTH} characters) with this request."

    def __init__(self) -> None:
        super().__init__(field=HEADER)


class IdempotencyKeyTooLong(BadRequest):
    code = "idempotency_key_too_long"

    def __init__(self, length: int) -> None:
        super().__init__(
            f"The {HEADER} header is {length} characters long; at most {MAX_KEY_LENGTH} are kept.",
            field=HEADER,
        )


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = f"This {HEADER} was used with a different request body."

    def __init__(self) -> None:
        super().__init__(field=HEADER)
