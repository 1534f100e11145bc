"""Every refusal a visitor can meet on a share page is said in Spanish on a Spanish page: by
its code (and variant), with its parameters, from the catalogue the chats use too. A new error
in the modules a try goes through fails here until it is given its texts, or named as one a
visitor never meets."""

import inspect
import re

import pytest

import core.activities.errors
import core.coupons.errors
import core.errors
import core.points.errors
from bots.conversation.i18n import CHAT_TEXTS, Translator
from bots.conversation.texts import refusal_key
from core.activities.errors import (
    ActivityNotFound,
    AlreadyInGroup,
    GroupClosed,
    GroupNotFound,
    NotEligible,
    NotLive,
    NoTriesLeft,
    TooManyTriesFromAddress,
)
from core.clock import utcnow
from core.coupons.errors import (
    ClaimClosed,
    ClaimNotOpen,
    LimitReached,
    OutOfStock,
    PromotionNotClaimable,
    TemplateInactive,
)
from core.errors import ConfettiError, Forbidden, NotFound, ValidationFailed
from core.points.errors import InsufficientPoints
from tests.activities.shop import wheel, window
from tests.factories import coupon_template
from tests.share.test_address_limits import limit_address
from tests.share.test_share_pages import try_on_page, visitor_cookie

VISITOR_REFUSALS = [
    NotLive(variant="scheduled"),
    NotLive(variant="paused"),
    NotLive(variant="ended"),
    NoTriesLeft(),
    NoTriesLeft("No tries left today.", variant="today"),
    NotEligible(),
    NotEligible(variant="new_customers_only"),
    NotEligible(variant="channel_members"),
    OutOfStock(),
    OutOfStock("Every envelope has been opened.", variant="envelopes"),
    LimitReached(2),
    ClaimNotOpen(90),
    ClaimClosed(),
    TemplateInactive(),
    PromotionNotClaimable(),
    InsufficientPoints(5, 20),
    GroupNotFound(),
    GroupClosed(),
    AlreadyInGroup(),
    ActivityNotFound(),
    TooManyTriesFromAddress("players"),
    TooManyTriesFromAddress("day", retry_after=3600),
    TooManyTriesFromAddress("minute", retry_after=50),
    ValidationFailed("choose one of this page's coupons", field="template"),
    Forbidden("A try is made from the activity's own page."),
    NotFound(),
]
# Raised only at merchants (their API calls, the console's forms): never on a share page.
MERCHANT_ONLY = {
    "invalid_status_change",
    "fixed_once_published",
    "activity_invalid",
    "template_not_found",
    "coupon_not_found",
    "stock_below_issued",
    "currency_mismatch",
    "order_of_another_customer",
    "rule_not_found",
    "duplicate_rule",
    "item_not_found",
    "item_retired",
    "bad_request",
    "unauthorized",
    "conflict",
    "service_unavailable",
    "error",
}
MODULES_A_TRY_GOES_THROUGH = (
    core.errors,
    core.activities.errors,
    core.coupons.errors,
    core.points.errors,
)


def _spanish(refusal: ConfettiError) -> str:
    t = Translator("es", "Europe/Madrid")
    key = refusal_key(t, refusal)
    assert key is not None, f"{refusal.code} ({refusal.variant}) has no text"
    assert key in CHAT_TEXTS.texts("es"), f"{key} has no Spanish text"
    assert CHAT_TEXTS.texts("es")[key] != CHAT_TEXTS.texts("en")[key], f"{key} is not translated"
    return t(key, **refusal.params)


@pytest.mark.parametrize(
    "refusal", VISITOR_REFUSALS, ids=lambda r: f"{r.code}-{r.variant or 'plain'}"
)
def test_every_visitor_facing_refusal_has_its_own_spanish_text(refusal) -> None:
    assert "{" not in _spanish(refusal)  # every parameter its text names is given


def test_every_error_a_try_can_raise_is_either_said_to_visitors_or_merchant_only() -> None:
    said = {refusal.code for refusal in VISITOR_REFUSALS}
    for module in MODULES_A_TRY_GOES_THROUGH:
        for _, error in inspect.getmembers(module, inspect.isclass):
            if issubclass(error, ConfettiError) and error.__module__ == module.__name__:
                assert error.code in said | MERCHANT_ONLY, f"{error.__name__} is not classified"


def test_the_wait_is_said_with_the_minutes_it_lasts() -> None:
    assert "1 min" in _spanish(TooManyTriesFromAddress("minute", retry_after=50))
    assert "2 min" in _spanish(ClaimNotOpen(90))
    assert "20" in _spanish(InsufficientPoints(5, 20))


# The pages themselves: SQLite only, as the other page tests.
pages = pytest.mark.parametrize("backend", ["sqlite"])
SPANISH = {"accept-language": "es"}


def _alert(response) -> str:
    return re.search(r'role="alert"[^>]*>(.*?)<', response.text, re.S)[1].strip()


@pages
async def test_a_spanish_page_says_ended_paused_and_not_started_in_spanish(shop, client) -> None:
    later = await shop.live(wheel(**window(start_minutes=60)))
    paused = await shop.live(wheel())
    await shop.call("post", f"/activities/{paused['id']}/pause")
    ended = await shop.live(wheel())
    await shop.call("post", f"/activities/{ended['id']}/end")
    expected = {
        later["slug"]: "aún no ha empezado",
        paused["slug"]: "en pausa",
        ended["slug"]: "ha terminado",
    }
    for slug, words in expected.items():
        response = await try_on_page(client, slug, **SPANISH)
        assert response.status == 409 and words in _alert(response)


@pages
async def test_a_spanish_page_says_sold_out_and_limit_reached_in_spanish(shop, client) -> None:
    one_left = await coupon_template(shop.db, shop.merchant, total_stock=1)
    one_each = await coupon_template(shop.db, shop.merchant, per_customer_limit=1)
    templates = [str(one_left.id), str(one_each.id)]
    activity = await shop.live(
        {"kind": "collection", "name": "Cupones", **window(), "templates": templates}
    )
    first = await try_on_page(client, activity["slug"], {"template": templates[0]}, **SPANISH)
    sold_out = await try_on_page(client, activity["slug"], {"template": templates[0]}, **SPANISH)
    assert sold_out.status == 409 and "agotado" in _alert(sold_out)
    cookie = visitor_cookie(first)
    await try_on_page(client, activity["slug"], {"template": templates[1]}, cookie, **SPANISH)
    limit = await try_on_page(
        client, activity["slug"], {"template": templates[1]}, cookie, **SPANISH
    )
    assert limit.status == 409 and "límite" in _alert(limit)


@pages
async def test_a_spanish_page_says_the_envelopes_are_all_open_in_spanish(shop, client) -> None:
    envelope = {"pot": 100, "shares": 1, "min_share": 10}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Sobre", **window(), "envelope": envelope}
    )
    assert (await try_on_page(client, activity["slug"], **SPANISH)).status == 200
    empty = await try_on_page(client, activity["slug"], **SPANISH)
    assert empty.status == 409 and "todos los sobres" in _alert(empty)


@pages
async def test_a_spanish_page_says_todays_tries_are_used_in_spanish(shop, client) -> None:
    activity = await shop.live(wheel(rules={"tries_per_customer_per_day": 1}))
    first = await try_on_page(client, activity["slug"], **SPANISH)
    again = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first), **SPANISH)
    assert again.status == 409 and "intentos de hoy" in _alert(again)


@pages
async def test_a_spanish_page_says_when_a_busy_network_may_try_again(
    app, shop, client, monkeypatch
) -> None:
    limit_address(app, per_minute=1)
    moment = utcnow().replace(second=10)  # 50 seconds before the minute ends
    monkeypatch.setattr("web.share.utcnow", lambda: moment)
    activity = await shop.live(wheel())
    first = await try_on_page(client, activity["slug"], **SPANISH)
    cooled = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first), **SPANISH)
    assert cooled.status == 429 and cooled.headers["retry-after"] == "50"
    assert "dentro de 1 min" in _alert(cooled)
