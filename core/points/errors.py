import uuid

from core.errors import Conflict, NotFound, ValidationFailed


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    message = "The customer does not have enough points."

    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"The customer has {balance} points; {needed} are needed.", field="points")
        self.params.update(balance=balance, needed=needed)


class CurrencyMismatch(ValidationFailed):
    code = "currency_mismatch"

    def __init__(self, merchant_currency: str) -> None:
        super().__init__(
            f"currency: orders must be in the merchant's currency ({merchant_currency})",
            field="currency",
        )


class OrderOfAnotherCustomer(ValidationFailed):
    code = "order_of_another_customer"
    message = "customer: this order earned points for another customer"

    def __init__(self) -> None:
        super().__init__(field="customer")


class RuleNotFound(NotFound):
    code = "rule_not_found"
    message = "No earning rule with that id."


class DuplicateRule(Conflict):
    """An earning rule that would pay the same thing twice."""

    code = "duplicate_rule"

    def __init__(self, existing_id: uuid.UUID, why: str) -> None:
        super().__init__(
            f"This duplicates earning rule {existing_id}: {why}. Delete that rule first to "
            "change its terms.",
            field="kind",
        )


class ItemNotFound(NotFound):
    code = "item_not_found"
    message = "No catalogue item with that id."


class ItemOutOfStock(Conflict):
    code = "out_of_stock"
    message = "This catalogue item is out of stock."


class ItemRetired(Conflict):
    code = "item_retired"
    message = "This catalogue item is no longer offered."
