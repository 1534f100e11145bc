"""The conversation layer's small laws: ids survive the round trip and fit Telegram's limits,
deep-link payloads come apart again, and every language says every message."""

import re
import string
import uuid

from hypothesis import given
from hypothesis import strategies as st

from bots.conversation.i18n import catalog, languages, pick_language
from bots.conversation.ids import parse_short_id, parse_start_payload, short_id, start_payload
from bots.conversation.messages import Option

SLUGS = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=12, max_size=12)


@given(st.uuids())
def test_a_short_id_comes_back_as_the_same_uuid(value: uuid.UUID) -> None:
    text = short_id(value)
    assert len(text) == 22 and text.isalnum()
    assert parse_short_id(text) == value


def test_forged_short_ids_are_none() -> None:
    assert parse_short_id("zzzzzzzzzzzzzzzzzzzzzz") is None  # past 2**128
    assert parse_short_id("short") is None
    assert parse_short_id("-" * 22) is None


@given(SLUGS, st.none() | st.uuids(), st.none() | st.uuids())
def test_a_start_payload_fits_telegram_and_comes_apart(slug, referrer, group) -> None:
    payload = start_payload(slug, referrer=referrer, group=group)
    assert len(payload) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    parsed_slug, tags = parse_start_payload(payload)
    assert tags.get("r") == referrer and tags.get("g") == group
    assert parsed_slug == slug


def test_the_longest_option_ids_fit_in_telegram_callback_data() -> None:
    longest = f"c:{short_id(uuid.uuid4())}:{short_id(uuid.uuid4())}"
    assert len(longest.encode()) <= 64
    Option(id=longest, title="ok")


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    english = catalog("en")
    assert len(languages()) >= 2
    for language in languages():
        other = catalog(language)
        assert set(other) == set(english), language
        for key, text in english.items():
            assert set(re.findall(r"{(\w+)}", other[key])) == set(re.findall(r"{(\w+)}", text))


def test_the_language_is_the_choice_then_the_app_then_english() -> None:
    assert pick_language("es", "en-US") == "es"
    assert pick_language(None, "es-MX") == "es"
    assert pick_language(None, "xx") == "en"
    assert pick_language(None, None) == "en"
