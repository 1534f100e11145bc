"""What a try's result or refusal says on the page, in the visitor's language: the chats' own
wording for rewards and refusals (web.refusals)."""

from bots.conversation.i18n import Translator
from bots.conversation.texts import coupon_terms, reward_text
from core.activities.schemas import PlayResult
from core.errors import ConfettiError
from web.refusals import page_refusal


def outcome_context(
    t: Translator,
    chat_t: Translator,
    result: PlayResult | None,
    refusal: ConfettiError | None,
) -> dict[str, object]:
    if refusal is not None:
        return {"refusal": page_refusal(t, refusal)}
    if result is None:
        return {}
    coupon = result.reward.coupon
    # A coupon's code and validity are shown beside its QR image; the text says what it is.
    lines = (
        [f"{chat_t('reward.coupon')} {coupon.template_name}", coupon_terms(chat_t, coupon)]
        if coupon is not None
        else [reward_text(chat_t, result.reward)]
    )
    won = result.prize is not None and not result.prize.consolation
    if won:
        lines.insert(0, chat_t("play.won", prize=result.prize.name))
    if result.group is not None and result.group.status == "open":
        lines = [chat_t("group.waiting", members=result.group.members, needed=result.group.needed)]
    granted = won or result.reward.type != "none"
    return {"result": result, "granted": granted, "result_lines": lines}
