import math

from core.errors import Conflict, NotFound


class TemplateNotFound(NotFound):
    code = "template_not_found"
    message = "No coupon template with that id."


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    message = "No coupon with that id."


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = "All coupons of this template have been claimed."


class LimitReached(Conflict):
    """The per-customer limit counts every coupon the customer was given, whatever became of
    it: a used or expired coupon does not give its place back."""

    code = "limit_reached"

    def __init__(self, limit: int) -> None:
        coupons = "coupon" if limit == 1 else "coupons"
        super().__init__(
            f"This customer has already had {limit} {coupons} of this template, the most one "
            "customer may have; used and expired coupons count too."
        )
        self.params["limit"] = limit


class ClaimNotOpen(Conflict):
    code = "claim_not_open"

    def __init__(self, seconds_until_open: int) -> None:
        super().__init__(f"Claiming opens in {seconds_until_open} seconds.")
        self.seconds_until_open = seconds_until_open
        self.params["minutes"] = math.ceil(seconds_until_open / 60)


class ClaimClosed(Conflict):
    code = "claim_closed"
    message = "Claiming has closed for this template."


class TemplateInactive(Conflict):
    code = "template_inactive"
    message = "This template is not active."


class PromotionNotClaimable(Conflict):
    code = "promotion_not_claimable"
    message = "This template is a promotion: it applies at checkout by itself and is not claimed."


class InvalidStatusChange(Conflict):
    code = "invalid_status_change"


class StockBelowIssued(Conflict):
    code = "stock_below_issued"
    message = "Total stock cannot be lower than the number of coupons already issued."
