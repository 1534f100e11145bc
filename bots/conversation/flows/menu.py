"""The main menu and the language choice."""

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation
from bots.conversation.i18n import catalog, languages
from bots.conversation.messages import Option, Reply


async def main_menu(conv: Conversation, greeting: str | None = None) -> list[Reply]:
    t = conv.t
    text = t("menu.title", merchant=conv.merchant.name)
    if greeting:
        text = f"{greeting}\n\n{text}"
    options = (
        Option(id=option_id(Action.ACTIVITIES), title=t("button.activities")),
        Option(id=option_id(Action.MY_COUPONS), title=t("button.my_coupons")),
        Option(id=option_id(Action.MY_POINTS), title=t("button.my_points")),
        Option(id=option_id(Action.REDEEM_CODE), title=t("button.redeem_code")),
        Option(id=option_id(Action.LANGUAGES), title=t("button.language")),
    )
    return [Reply(text=text, options=options)]


async def language_menu(conv: Conversation) -> list[Reply]:
    options = tuple(
        Option(id=option_id(Action.CHOOSE_LANGUAGE, code), title=catalog(code)["language.name"])
        for code in languages()
    )
    return [Reply(text=conv.t("language.pick"), options=options)]


async def choose_language(conv: Conversation, code: str) -> list[Reply]:
    if code in languages():
        conv.identity.locale = code
        conv.t.language = code
    return await main_menu(conv, conv.t("language.chosen"))
