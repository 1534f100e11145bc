from core.errors import Conflict, NotFound


class RedemptionNotFound(NotFound):
    code = "redemption_not_found"
    message = "No redemption with that id."


class CouponRejected(Conflict):
    """Redeeming is all or nothing: a code that would not apply refuses the whole redemption."""

    code = "coupon_rejected"

    def __init__(self, code: str, reason: str, index: int, why: str) -> None:
        super().__init__(f"Coupon {code} cannot be used ({reason}): {why}", field=f"codes.{index}")
        self.reason = reason
