"""The pages speak the visitor's language: `?lang=`, then their earlier choice, then what the
browser asks for; and both languages have every page text."""

from types import SimpleNamespace

from bots.conversation.i18n import CHAT_TEXTS
from web.pages import PAGE_TEXTS, accepted_languages, page_language


def _request(lang=None, cookie=None, accept=""):
    return SimpleNamespace(
        args={"lang": lang} if lang else {},
        cookies={"confetti_lang": cookie} if cookie else {},
        headers={"accept-language": accept},
    )


def test_every_page_text_is_in_every_language_the_chats_speak() -> None:
    assert PAGE_TEXTS.languages() == CHAT_TEXTS.languages()
    keys = {language: set(PAGE_TEXTS.texts(language)) for language in PAGE_TEXTS.languages()}
    assert all(found == keys["en"] for found in keys.values())


def test_accept_language_is_read_by_weight_and_nonsense_is_ignored() -> None:
    assert accepted_languages("fr;q=0.5, es-MX, en;q=0.9") == ["es-MX", "en", "fr"]
    assert accepted_languages("*, ;;, 12-34, es;q=nope") == []


def test_the_page_language_is_the_query_then_the_cookie_then_the_browser() -> None:
    assert page_language(_request(lang="es", cookie="en", accept="en")) == "es"
    assert page_language(_request(cookie="es", accept="en")) == "es"
    assert page_language(_request(accept="de-DE, es;q=0.8")) == "es"
    assert page_language(_request(lang="zz", accept="de")) == "en"
