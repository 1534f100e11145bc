"""A service's refusal said on a page in the visitor's language: by its code (and variant),
with its parameters, from the chats' own catalogue, so a page and a chat word a refusal alike;
a code without a translation says its English message."""

from bots.conversation.i18n import Translator
from bots.conversation.texts import translated_refusal
from core.errors import ConfettiError


def page_refusal(t: Translator, refused: ConfettiError) -> str:
    """`t` is the page's translator: its language and timezone, the chats' texts."""
    return translated_refusal(Translator(t.language, t.timezone.key), refused) or refused.message
