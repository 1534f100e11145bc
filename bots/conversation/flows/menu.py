"""The main menu and the language choice."""

from bots.conversation.context import Conversation
from bots.conversation.i18n import catalog, languages
from bots.conversation.messages import Option, Reply


async def main_menu(conv: Conversation, greeting: str | None = None) -> list[Reply]:
    t = conv.t
    text = t("menu.title", merchant=conv.merchant.name)
    if greeting:
        text = f"{greeting}\n\n{text}"
    options = (
        Option(id="acts", title=t("button.activities")),
        Option(id="cp", title=t("button.my_coupons")),
        Option(id="pt", title=t("button.my_points")),
        Option(id="code", title=t("button.redeem_code")),
        Option(id="lang", title=t("button.language")),
    )
    return [Reply(text=text, options=options)]


async def language_menu(conv: Conversation) -> list[Reply]:
    options = tuple(
        Option(id=f"l:{code}", title=catalog(code)["language.name"]) for code in languages()
    )
    return [Reply(text=conv.t("language.pick"), options=options)]


async def choose_language(conv: Conversation, code: str) -> list[Reply]:
    if code in languages():
        conv.identity.locale = code
        conv.t.language = code
    return await main_menu(conv, conv.t("language.chosen"))
