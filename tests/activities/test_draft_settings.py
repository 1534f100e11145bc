"""A draft's red envelope pot and collection coupons change through PATCH, checked as publish
checks them; once published they are fixed. On both databases."""

import asyncio
import uuid

from sqlalchemy import select

from core.activities.models import EnvelopeShare
from tests.activities.shop import wheel, window
from tests.factories import coupon_template, merchant_with_key

POT = {"pot": 1000, "shares": 4, "min_share": 10}


def _envelope(**settings) -> dict:
    return {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": POT | settings}


async def _shares(shop, activity_id: str) -> list[int]:
    async with shop.db.transaction(write=False) as session:
        query = select(EnvelopeShare.amount).where(
            EnvelopeShare.activity_id == uuid.UUID(activity_id)
        )
        return list((await session.execute(query)).scalars())


async def test_a_draft_envelopes_pot_changes_and_publish_splits_the_new_one(shop) -> None:
    created = await shop.created(_envelope())
    path = f"/activities/{created['id']}"
    bigger = {"pot": 5000, "shares": 7, "min_share": 100, "group_friends": 2}
    changed = await shop.call("patch", path, {"envelope": bigger})
    assert changed.status == 200, changed.text
    envelope = changed.json["envelope"]
    assert (envelope["pot"], envelope["shares"], envelope["min_share"]) == (5000, 7, 100)
    assert envelope["group_friends"] == 2
    assert (await shop.call("post", f"{path}/publish")).status == 200
    shares = await _shares(shop, created["id"])
    assert len(shares) == 7 and sum(shares) == 5000 and min(shares) >= 100


async def test_a_draft_collections_coupons_change_in_their_new_order(shop) -> None:
    first = await coupon_template(shop.db, shop.merchant, name="First")
    second = await coupon_template(shop.db, shop.merchant, name="Second")
    body = {"kind": "collection", "name": "Coupons", **window(), "templates": [str(first.id)]}
    path = f"/activities/{(await shop.created(body))['id']}"
    reordered = [str(second.id), str(first.id)]
    changed = await shop.call("patch", path, {"templates": reordered})
    assert (changed.status, changed.json["templates"]) == (200, reordered)
    published = await shop.call("post", f"{path}/publish")
    assert published.json["templates"] == reordered


async def test_a_published_pot_or_collection_is_refused_with_409_and_kept(shop) -> None:
    template = await coupon_template(shop.db, shop.merchant)
    envelope = await shop.live(_envelope())
    refused = await shop.call("patch", f"/activities/{envelope['id']}", {"envelope": POT})
    assert (refused.status, refused.json["error"]["code"]) == (409, "fixed_once_published")
    assert "fixed once published" in refused.json["error"]["message"]
    body = {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    collection = await shop.live(body)
    path = f"/activities/{collection['id']}"
    refused = await shop.call("patch", path, {"templates": [str(template.id)]})
    assert (refused.status, refused.json["error"]["code"]) == (409, "fixed_once_published")
    assert len(await _shares(shop, envelope["id"])) == 4


async def test_a_pot_that_cannot_be_split_is_refused_and_the_draft_keeps_its_own(shop) -> None:
    path = f"/activities/{(await shop.created(_envelope()))['id']}"
    too_small = await shop.call("patch", path, {"envelope": POT | {"pot": 39}, "name": "New"})
    assert (too_small.status, too_small.json["error"]["field"]) == (422, "envelope.pot")
    money = POT | {"pot_type": "money", "min_share": 0}
    free = await shop.call("patch", path, {"envelope": money})
    assert (free.status, free.json["error"]["field"]) == (422, "envelope.min_share")
    null = await shop.call("patch", path, {"envelope": None})
    assert (null.status, null.json["error"]["field"]) == (422, "envelope")
    kept = (await shop.call("get", path)).json
    assert (kept["name"], kept["envelope"]["pot"]) == ("Lunar pot", 1000)


async def test_coupons_another_merchant_owns_or_twice_or_none_are_refused(shop) -> None:
    mine = await coupon_template(shop.db, shop.merchant)
    other, _ = await merchant_with_key(shop.db)
    theirs = await coupon_template(shop.db, other)
    body = {"kind": "collection", "name": "Coupons", **window(), "templates": [str(mine.id)]}
    path = f"/activities/{(await shop.created(body))['id']}"
    for templates, field in (
        ([str(mine.id), str(theirs.id)], "templates.1"),
        ([str(mine.id), str(mine.id)], "templates.1"),
        ([], "templates"),
    ):
        refused = await shop.call("patch", path, {"templates": templates})
        assert (refused.status, refused.json["error"]["field"]) == (422, field), templates
    assert (await shop.call("get", path)).json["templates"] == [str(mine.id)]


async def test_a_pot_or_coupons_on_another_kind_are_refused(shop) -> None:
    path = f"/activities/{(await shop.created(wheel()))['id']}"
    pot = await shop.call("patch", path, {"envelope": POT})
    assert (pot.status, pot.json["error"]["field"]) == (422, "envelope")
    coupons = await shop.call("patch", path, {"templates": []})
    assert (coupons.status, coupons.json["error"]["field"]) == (422, "templates")


async def test_pot_edits_racing_publish_split_exactly_the_pot_stored(shop) -> None:
    """Each edit lands before the publish (and its pot is split) or is refused after it."""
    created = await shop.created(_envelope())
    path = f"/activities/{created['id']}"
    pots = [POT | {"pot": 1000 + n, "shares": 2 + n} for n in range(12)]
    responses = await asyncio.gather(
        *(shop.call("patch", path, {"envelope": pot}) for pot in pots[:6]),
        shop.call("post", f"{path}/publish"),
        *(shop.call("patch", path, {"envelope": pot}) for pot in pots[6:]),
    )
    statuses = [response.status for response in responses]
    assert statuses[6] == 200 and set(statuses) <= {200, 409}, statuses
    stored = (await shop.call("get", path)).json["envelope"]
    shares = await _shares(shop, created["id"])
    assert (len(shares), sum(shares)) == (stored["shares"], stored["pot"])
    assert stored["left"] == stored["shares"]
