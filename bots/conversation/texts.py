"""How coupons, rewards and refusals read in a chat, in the customer's language."""

from functools import partial

from bots.conversation.i18n import Translator
from core.coupons.schemas import CouponOut, CouponTemplateOut
from core.errors import ConfettiError
from core.rewards.schemas import GrantedReward


def coupon_terms(t: Translator, coupon: CouponOut | CouponTemplateOut) -> str:
    """What the coupon takes off and what it asks of an order, from the coupon's own terms (a
    template's, on a collection page, are the same)."""
    money = partial(t.money, currency=coupon.currency)
    if coupon.kind == "percent":
        percent = f"{coupon.percent_off.normalize():f}"
        if coupon.max_discount is None:
            terms = t("coupon.percent", percent=percent)
        else:
            terms = t("coupon.percent_capped", percent=percent, amount=money(coupon.max_discount))
    elif coupon.kind == "free_order":
        terms = t("coupon.free_order", amount=money(coupon.max_discount))
    elif coupon.kind == "threshold":
        terms = t(
            "coupon.threshold", amount=money(coupon.amount_off), threshold=money(coupon.threshold)
        )
    else:
        terms = t("coupon.fixed", amount=money(coupon.amount_off))
    if coupon.min_order_amount > (coupon.threshold or 0):
        terms += " " + t("coupon.minimum", amount=money(coupon.min_order_amount))
    return terms


def coupon_line(t: Translator, coupon: CouponOut) -> str:
    line = t("coupon.line", name=coupon.template_name, code=coupon.code)
    line += f"\n{coupon_terms(t, coupon)}"
    if coupon.valid_until is not None:
        line += "\n" + t("coupon.valid_until", when=t.time(coupon.valid_until))
    return line


def reward_text(t: Translator, reward: GrantedReward) -> str:
    if reward.type == "coupon" and reward.coupon is not None:
        return t("reward.coupon") + "\n" + coupon_line(t, reward.coupon)
    if reward.type == "points":
        return t("reward.points", points=reward.points)
    if reward.type == "code":
        return t("reward.code", code=reward.code)
    return t("reward.none")


def refusal_key(t: Translator, refusal: ConfettiError) -> str | None:
    """The catalog's text for the refusal: its code's variant (`refusal.no_tries_left.today`),
    else its code; None when the catalog has neither."""
    keys = [f"refusal.{refusal.code}"]
    if refusal.variant:
        keys.insert(0, f"{keys[0]}.{refusal.variant}")
    return next((key for key in keys if t.has(key)), None)


def translated_refusal(t: Translator, refusal: ConfettiError) -> str | None:
    key = refusal_key(t, refusal)
    return t(key, **refusal.params) if key else None


def refusal_text(t: Translator, refusal: ConfettiError) -> str:
    """The core's refusal, said kindly: its own translation where the catalog has one."""
    return translated_refusal(t, refusal) or t("refusal.other", reason=refusal.message)
