"""`/new_coupon` (manager and up): a coupon template, one question at a time: its kind (by
buttons), name, what it takes off (an amount, a percent with an optional cap, a threshold), stock,
the limit per customer, how long a coupon stays valid, and when it may be claimed; then a
preview of the coupon as a customer will see it, and create it as a draft or active. Times are
typed and shown in the merchant's timezone."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from bots.conversation.context import Conversation
from bots.conversation.messages import Reply
from bots.conversation.staff.values import (
    LOCAL_TIME_FORMAT,
    read_amount,
    read_count,
    read_local_time,
)
from bots.conversation.staff.wizard import BadValue, Choice, Prompt, Step, Values, Wizard
from bots.conversation.texts import coupon_terms
from core.clock import utcnow
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.errors import ValidationFailed
from core.staff.models import Role

KINDS = ("fixed", "threshold", "percent", "free_order")
UNLIMITED, NO_CAP, NOW, NO_END = "unlimited", "no_cap", "now", "no_end"
MAX_VALID_DAYS = 3650


def _asking(key: str, *choices: str):
    """A step's question: its text, and buttons of fixed values (`staff.choice.<value>`)."""

    async def ask(conv: Conversation, values: Values) -> Prompt:
        example = utcnow().astimezone(conv.t.timezone).strftime(LOCAL_TIME_FORMAT)
        buttons = tuple(Choice(value, conv.t(f"staff.choice.{value}")) for value in choices)
        return Prompt(conv.t(key, example=example), choices=buttons)

    return ask


def _kind_is(*kinds: str):
    return lambda values: values.get("kind") in kinds


async def _read_kind(conv: Conversation, text: str, values: Values) -> str:
    if text not in KINDS:
        raise BadValue("staff.value.press_button")
    return text


async def _read_name(conv: Conversation, text: str, values: Values) -> str:
    if not 1 <= len(text) <= 200:
        raise BadValue("staff.coupon.bad_name")
    return text


async def _read_money(conv: Conversation, text: str, values: Values) -> int:
    return read_amount(text, conv.merchant.currency)


async def _read_threshold(conv: Conversation, text: str, values: Values) -> int:
    threshold = read_amount(text, conv.merchant.currency)
    if threshold <= int(values["amount_off"]):
        raise BadValue("staff.coupon.threshold_too_low")
    return threshold


async def _read_percent(conv: Conversation, text: str, values: Values) -> str:
    try:
        percent = Decimal(text.replace(",", ".").rstrip("% "))
    except InvalidOperation:
        raise BadValue("staff.coupon.bad_percent") from None
    if not (percent.is_finite() and 0 < percent <= 100 and percent == round(percent, 2)):
        raise BadValue("staff.coupon.bad_percent")
    return str(percent)


async def _read_cap(conv: Conversation, text: str, values: Values) -> int | None:
    if text == NO_CAP and values["kind"] == "percent":
        return None
    return read_amount(text, conv.merchant.currency)


async def _read_stock(conv: Conversation, text: str, values: Values) -> int | None:
    return None if text == UNLIMITED else read_count(text)


async def _read_limit(conv: Conversation, text: str, values: Values) -> int | None:
    return None if text == UNLIMITED else read_count(text, most=10**6)


async def _read_validity(conv: Conversation, text: str, values: Values) -> dict:
    """A number of days after the claim, or the last moment it may be used."""
    if text.isdigit():
        return {"valid_days": read_count(text, most=MAX_VALID_DAYS)}
    return {"valid_until": read_local_time(text, conv.merchant.timezone, after=utcnow())}


async def _read_claim_start(conv: Conversation, text: str, values: Values) -> str | None:
    return None if text == NOW else read_local_time(text, conv.merchant.timezone)


async def _read_claim_end(conv: Conversation, text: str, values: Values) -> str | None:
    if text == NO_END:
        return None
    start = values.get("claim_starts")
    after = datetime.fromisoformat(str(start)) if start else utcnow()
    return read_local_time(text, conv.merchant.timezone, after=after)


def _template(conv: Conversation, values: Values, status: str) -> CouponTemplateCreate:
    """The values as the core's request; its own rules across fields are checked here too."""
    kind = values["kind"]
    cap = values.get("max_discount")
    validity = values["validity"]
    data = CouponTemplateCreate(
        name=values["name"],
        kind=kind,
        currency=conv.merchant.currency,
        amount_off=values.get("amount_off") if kind in ("fixed", "threshold") else None,
        threshold=values.get("threshold") if kind == "threshold" else None,
        percent_off=Decimal(str(values["percent_off"])) if kind == "percent" else None,
        max_discount=cap if kind in ("percent", "free_order") else None,
        total_stock=values["stock"],
        per_customer_limit=values["per_customer_limit"],
        valid_days=validity.get("valid_days"),
        valid_until=validity.get("valid_until"),
        claim_starts_at=values.get("claim_starts"),
        claim_ends_at=values.get("claim_ends"),
        status=status,
    )
    data.check()
    return data


async def _ask_confirm(conv: Conversation, values: Values) -> Prompt:
    try:
        data = _template(conv, values, "draft")
    except ValidationFailed as refused:
        return Prompt(conv.t("staff.coupon.invalid", reason=refused.message))
    return Prompt(
        _preview(conv, data),
        choices=(
            Choice("active", conv.t("staff.choice.active")),
            Choice("draft", conv.t("staff.choice.draft")),
        ),
    )


def _preview(conv: Conversation, data: CouponTemplateCreate) -> str:
    """The coupon as the customer's chat will show it, then what only the shop sees."""
    t = conv.t
    as_seen = f"🎟 {data.name}\n{coupon_terms(t, data)}"
    if data.valid_until is not None:
        as_seen += "\n" + t("coupon.valid_until", when=t.time(data.valid_until))
    unlimited = t("staff.coupon.unlimited")
    rules = t(
        "staff.coupon.rules",
        stock=unlimited if data.total_stock is None else data.total_stock,
        limit=unlimited if data.per_customer_limit is None else data.per_customer_limit,
        validity=(
            t("staff.coupon.valid_days", days=data.valid_days)
            if data.valid_days
            else t("staff.coupon.valid_until", when=t.time(data.valid_until))
        ),
        opens=t.time(data.claim_starts_at) if data.claim_starts_at else t("staff.choice.now"),
        closes=t.time(data.claim_ends_at) if data.claim_ends_at else t("staff.choice.no_end"),
    )
    return t("staff.coupon.preview", coupon=as_seen, rules=rules)


async def _read_confirm(conv: Conversation, text: str, values: Values) -> str:
    if text not in ("active", "draft"):
        raise BadValue("staff.value.press_button")
    return text


async def _finish(conv: Conversation, values: Values) -> list[Reply]:
    status = str(values["confirm"])
    created = await create_template(conv.session, conv.merchant, _template(conv, values, status))
    return [Reply(text=conv.t(f"staff.coupon.created_{status}", name=created.name))]


NEW_COUPON = Wizard(
    name="new_coupon",
    least_role=Role.MANAGER,
    steps=(
        Step("kind", _asking("staff.coupon.ask_kind", *KINDS), _read_kind),
        Step("name", _asking("staff.coupon.ask_name"), _read_name),
        Step(
            "amount_off",
            _asking("staff.coupon.ask_amount_off"),
            _read_money,
            _kind_is("fixed", "threshold"),
        ),
        Step(
            "threshold",
            _asking("staff.coupon.ask_threshold"),
            _read_threshold,
            _kind_is("threshold"),
        ),
        Step(
            "percent_off", _asking("staff.coupon.ask_percent"), _read_percent, _kind_is("percent")
        ),
        Step(
            "max_discount",
            _asking("staff.coupon.ask_cap", NO_CAP),
            _read_cap,
            _kind_is("percent"),
        ),
        Step(
            "max_discount",
            _asking("staff.coupon.ask_free_cap"),
            _read_cap,
            _kind_is("free_order"),
        ),
        Step("stock", _asking("staff.coupon.ask_stock", UNLIMITED), _read_stock),
        Step("per_customer_limit", _asking("staff.coupon.ask_limit", UNLIMITED), _read_limit),
        Step("validity", _asking("staff.coupon.ask_validity"), _read_validity),
        Step("claim_starts", _asking("staff.coupon.ask_claim_start", NOW), _read_claim_start),
        Step("claim_ends", _asking("staff.coupon.ask_claim_end", NO_END), _read_claim_end),
        Step("confirm", _ask_confirm, _read_confirm),
    ),
    finish=_finish,
)
