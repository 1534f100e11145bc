from core.errors import Conflict, NotFound


class RedemptionNotFound(NotFound):
    code = "redemption_not_found"
    message = "No redemption with that id."


class CouponRejected(Conflict):
    """Redeeming is all or nothing: a code that would not apply refuses the whole redemption."""

    code = "coupon_rejected"

    def __init__(self, code: str, reason: str, index: int, why: str) -> None:
        message = f"Coupon {code} cannot be used ({reason}): {why}"
        super().__init__(message, field=f"codes.{index}", variant=reason)
        self.reason = reason
        self.params["code"] = code
