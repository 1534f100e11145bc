"""How coupons, rewards and refusals read in a chat, in the customer's language."""

from bots.conversation.i18n import Translator
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponOut
from core.errors import ConfettiError
from core.rewards.schemas import GrantedReward


def coupon_terms(t: Translator, template: CouponTemplate) -> str:
    if template.kind == "percent":
        terms = t("coupon.percent", percent=f"{template.percent_off.normalize():f}")
    elif template.kind == "free_order":
        terms = t("coupon.free_order")
    else:
        terms = t("coupon.fixed", amount=t.money(template.amount_off or 0, template.currency))
    if template.threshold or template.min_order_amount:
        minimum = max(template.threshold or 0, template.min_order_amount)
        terms += " " + t("coupon.minimum", amount=t.money(minimum, template.currency))
    return terms


def coupon_line(t: Translator, coupon: CouponOut, template: CouponTemplate) -> str:
    line = t("coupon.line", name=coupon.template_name, code=coupon.code)
    line += f"\n{coupon_terms(t, template)}"
    if coupon.valid_until is not None:
        line += "\n" + t("coupon.valid_until", when=t.time(coupon.valid_until))
    return line


def reward_text(t: Translator, reward: GrantedReward, template: CouponTemplate | None) -> str:
    if reward.type == "coupon" and reward.coupon is not None and template is not None:
        return t("reward.coupon") + "\n" + coupon_line(t, reward.coupon, template)
    if reward.type == "points":
        return t("reward.points", points=reward.points)
    if reward.type == "code":
        return t("reward.code", code=reward.code)
    return t("reward.none")


def refusal_text(t: Translator, refusal: ConfettiError) -> str:
    """The core's refusal, said kindly: its own translation where the catalog has one."""
    key = f"refusal.{refusal.code}"
    return t(key) if t.has(key) else t("refusal.other", reason=refusal.message)
