"""The other kinds in the console's activity editor: a marquee's board, a red envelope's pot
and a collection page's coupons, created, checked beside their fields, edited as the core
allows, published, and refused to a cashier; every activity page shows its preview card."""

import pytest
from sqlalchemy import func, select

from core.activities.models import Activity, EnvelopeShare
from core.staff.models import Role
from tests.factories import coupon_template
from tests.web.console.staff import csrf_token, log_in, staff
from tests.web.console.test_activities import THREE_PRIZES

BOARD = ["Gold", "Thanks", "Silver", "Thanks", "Gold", "Thanks", "Silver", "Thanks"]


def _form(token: str, kind: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "kind": kind,
        "name": "Spring fun",
        "starts_at": "2026-01-01T10:00",
        "ends_at": "2099-01-01T10:00",
        **fields,
    }


def _marquee(token: str, **fields: str) -> dict[str, str]:
    board = {f"marquee.cells.{n}": name for n, name in enumerate(BOARD)}
    return _form(token, "marquee", **(THREE_PRIZES | board | fields))


def _envelope(token: str, **fields: str) -> dict[str, str]:
    pot = {
        "envelope.pot_type": "money",
        "envelope.pot": "10.00",
        "envelope.shares": "4",
        "envelope.min_share": "0.50",
        "envelope.opening": "group",
        "envelope.group_friends": "2",
        "envelope.group_hours": "",
    }
    return _form(token, "red_envelope", **(pot | fields))


async def _activity(db) -> Activity:
    async with db.transaction(write=False) as session:
        return (await session.execute(select(Activity))).scalar_one()


async def _publish(client, token: str, path: str) -> None:
    _, response = await client.post(f"{path}/publish", data={"csrf_token": token})
    assert response.status == 303, response.text


async def _published_editor(client, token: str, path: str):
    """Publishes the activity and opens its editor: what may still change."""
    await _publish(client, token, path)
    _, edit = await client.get(f"{path}/edit")
    return edit


async def test_a_marquee_is_created_with_its_board_and_published(client, db, token) -> None:
    _, created = await client.post("/console/activities/", data=_marquee(token))
    assert created.status == 303, created.text
    activity = await _activity(db)
    assert (activity.kind, activity.settings["marquee"]) == ("marquee", {"cells": BOARD})
    await _publish(client, token, created.headers["location"])
    _, page = await client.get(created.headers["location"])
    assert (await _activity(db)).status == "live"
    assert 'class="board-slot board-slot-7"' in page.text
    # Gold (10 %) sits on two cells: 5 % each; Silver (30 %) on two, Thanks (60 %) on four.
    assert page.text.count('<span class="board-chance">5.0 %</span>') == 2
    assert page.text.count('<span class="board-chance">15.0 %</span>') == 6


async def test_a_board_cell_naming_no_prize_or_left_blank_is_refused_beside_it(
    client, db, token
) -> None:
    form = _marquee(token, **{"marquee.cells.2": "Platinum", "marquee.cells.5": ""})
    _, response = await client.post("/console/activities/", data=form)
    assert response.status == 422
    assert 'id="marquee-cells-2-error"' in response.text and "Platinum" in response.text
    assert 'id="marquee-cells-5-error"' in response.text
    assert 'value="Gold"' in response.text  # the prize table is kept
    async with db.transaction(write=False) as session:
        assert (await session.scalar(select(func.count()).select_from(Activity))) == 0


async def test_a_prize_on_no_cell_is_said_above_the_board(client, token) -> None:
    form = _marquee(token, **{f"marquee.cells.{n}": "Thanks" for n in (2, 6)})
    _, response = await client.post("/console/activities/", data=form)
    assert response.status == 422
    assert 'id="marquee-cells-error"' in response.text
    assert "&#39;Silver&#39; is on no cell" in response.text


async def test_the_preview_brings_a_marquees_board_offering_the_prizes_as_named(
    client, token
) -> None:
    _, response = await client.post(
        "/console/activities/odds",
        data={"kind": "marquee", "prizes.0.name": "Ruby", "marquee.cells.0": "Ruby"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert 'id="board-editor"' in response.text and 'hx-swap-oob="true"' in response.text
    assert '<option value="Ruby" selected>' in response.text and "100.0 %" in response.text
    # The same prizes as the selects offer: only each cell's chance comes back.
    _, chances = await client.post(
        "/console/activities/odds",
        data={"kind": "marquee", "prizes.0.name": "Ruby", "board_offers": '["Ruby"]'},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert 'id="board-editor"' not in chances.text and 'id="board-chance-7"' in chances.text


async def test_a_draft_marquees_board_changes_and_a_published_one_stays(client, db, token) -> None:
    _, created = await client.post("/console/activities/", data=_marquee(token))
    path = created.headers["location"]
    _, edit = await client.get(f"{path}/edit")
    assert '<option value="Silver" selected>' in edit.text
    moved = _marquee(token, **{"marquee.cells.2": "Gold", "marquee.cells.6": "Gold"})
    moved |= {"marquee.cells.1": "Silver"}
    assert (await client.post(path, data=moved))[1].status == 303
    assert (await _activity(db)).settings["marquee"]["cells"][:3] == ["Gold", "Silver", "Gold"]
    edit = await _published_editor(client, token, path)
    assert 'name="marquee.cells.0"' not in edit.text and "fixed once published" in edit.text
    renamed = _marquee(token, name="Night lights", **{"marquee.cells.0": "Ignored"})
    assert (await client.post(path, data=renamed))[1].status == 303
    activity = await _activity(db)
    assert activity.name == "Night lights" and activity.settings["marquee"]["cells"][0] == "Gold"


async def test_a_group_money_envelope_is_stored_in_minor_units_and_split_on_publish(
    client, db, token
) -> None:
    _, created = await client.post("/console/activities/", data=_envelope(token))
    assert created.status == 303, created.text
    envelope = (await _activity(db)).settings["envelope"]
    assert envelope == {
        "pot": 1000,
        "pot_type": "money",
        "shares": 4,
        "min_share": 50,
        "group_friends": 2,
        "group_hours": 24,
    }
    path = created.headers["location"]
    _, draft = await client.get(path)
    assert "appears once the activity is published" in draft.text
    await _publish(client, token, path)
    async with db.transaction(write=False) as session:
        amounts = (await session.execute(select(EnvelopeShare.amount))).scalars().all()
    assert len(amounts) == 4 and sum(amounts) == 1000 and min(amounts) >= 50
    _, page = await client.get(path)
    assert "between €0.50 and €8.50, €2.50 on average" in page.text
    assert "once the starter and 2 more have joined, within 24 hours" in page.text
    slug = (await _activity(db)).slug
    assert f'src="/a/{slug}/card.png"' in page.text
    _, card = await client.get(f"/a/{slug}/card.png")
    assert card.status == 200 and card.headers["content-type"] == "image/png"


async def test_a_single_points_envelope_has_no_group(client, db, token) -> None:
    form = _envelope(
        token,
        **{"envelope.pot_type": "points", "envelope.pot": "100", "envelope.min_share": ""},
    )
    form["envelope.opening"] = "single"
    assert (await client.post("/console/activities/", data=form))[1].status == 303
    envelope = (await _activity(db)).settings["envelope"]
    assert (envelope["pot"], envelope["min_share"], envelope["group_friends"]) == (100, 1, None)


@pytest.mark.parametrize(
    ("fields", "beside", "says"),
    [
        ({"envelope.pot": "1.00"}, "envelope-pot", "each need a pot of at least €2.00"),
        ({"envelope.pot": "1.005"}, "envelope-pot", "at most 2 decimals"),
        ({"envelope.shares": "0"}, "envelope-shares", "at least 1"),
        ({"envelope.group_friends": ""}, "envelope-group_friends", "Fill this in"),
    ],
)
async def test_an_envelope_that_cannot_be_split_is_refused_beside_its_field(
    client, db, token, fields, beside, says
) -> None:
    _, response = await client.post("/console/activities/", data=_envelope(token, **fields))
    assert response.status == 422
    assert f'id="{beside}-error"' in response.text and says in response.text
    typed = next(iter(fields.values()))
    assert f'value="{typed}"' in response.text and 'value="Spring fun"' in response.text
    async with db.transaction(write=False) as session:
        assert (await session.scalar(select(func.count()).select_from(Activity))) == 0


async def test_the_share_preview_follows_the_pot_as_typed(client, token) -> None:
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    _, fits = await client.post(
        "/console/activities/envelope-shares", data=_envelope(token), headers=headers
    )
    assert fits.text.lstrip().startswith('<div id="share-range"')
    assert "between €0.50 and €8.50" in fits.text
    _, too_small = await client.post(
        "/console/activities/envelope-shares",
        data=_envelope(token, **{"envelope.pot": "1"}),
        headers=headers,
    )
    assert "4 shares of at least €0.50 each need a pot of at least €2.00" in too_small.text


async def test_a_draft_envelopes_pot_shows_as_typed_and_changes(client, db, token) -> None:
    _, created = await client.post("/console/activities/", data=_envelope(token))
    path = created.headers["location"]
    _, edit = await client.get(f"{path}/edit")
    assert 'name="envelope.pot" type="text" value="10.00"' in edit.text
    assert '<option value="group" selected>' in edit.text
    assert "between €0.50 and €8.50" in edit.text
    changed = _envelope(token, **{"envelope.pot": "20.00", "envelope.opening": "single"})
    assert (await client.post(path, data=changed))[1].status == 303
    envelope = (await _activity(db)).settings["envelope"]
    assert (envelope["pot"], envelope["group_friends"]) == (2000, None)
    _, refused = await client.post(path, data=_envelope(token, **{"envelope.pot": "1.00"}))
    assert refused.status == 422 and 'id="envelope-pot-error"' in refused.text
    assert (await _activity(db)).settings["envelope"]["pot"] == 2000


async def test_a_published_envelope_changes_its_name_but_keeps_its_pot(client, db, token) -> None:
    _, created = await client.post("/console/activities/", data=_envelope(token))
    path = created.headers["location"]
    edit = await _published_editor(client, token, path)
    assert 'name="envelope.pot"' not in edit.text and "€10.00" in edit.text
    changed = _envelope(token, name="Lunar pot", **{"envelope.pot": "99"})
    assert (await client.post(path, data=changed))[1].status == 303
    activity = await _activity(db)
    assert (activity.name, activity.settings["envelope"]["pot"]) == ("Lunar pot", 1000)


async def test_a_collection_offers_the_chosen_coupons_in_order_with_stock_and_window(
    client, db, merchant, token
) -> None:
    five = await coupon_template(db, merchant, total_stock=20)
    flash = await coupon_template(
        db,
        merchant,
        name="Flash deal",
        total_stock=5,
        claim_starts_at="2030-01-01T09:00:00Z",
        claim_ends_at="2030-01-02T09:00:00Z",
    )
    _, new = await client.get("/console/activities/new?kind=collection")
    assert 'name="templates.1"' in new.text and "5 / 5" in new.text
    form = _form(token, "collection", **{"templates.0": str(flash.id), "templates.3": str(five.id)})
    _, created = await client.post("/console/activities/", data=form)
    assert created.status == 303, created.text
    assert (await _activity(db)).settings["templates"] == [str(flash.id), str(five.id)]
    path = created.headers["location"]
    await _publish(client, token, path)
    _, page = await client.get(path)
    assert page.text.index("Flash deal") < page.text.index("Five off")
    assert "20 / 20" in page.text and "1 Jan 2030" in page.text


async def test_a_draft_collections_coupons_change_and_a_published_ones_stay(
    client, db, merchant, token
) -> None:
    five = await coupon_template(db, merchant, total_stock=20)
    flash = await coupon_template(db, merchant, name="Flash deal", total_stock=5)
    chosen = {"templates.0": str(five.id), "templates.1": str(flash.id)}
    _, created = await client.post(
        "/console/activities/", data=_form(token, "collection", **chosen)
    )
    path = created.headers["location"]
    _, edit = await client.get(f"{path}/edit")
    assert edit.text.index(f'<option value="{five.id}" selected>') < edit.text.index(
        f'<option value="{flash.id}" selected>'
    )
    swapped = {"templates.0": str(flash.id), "templates.1": "", "templates.2": str(five.id)}
    assert (await client.post(path, data=_form(token, "collection", **swapped)))[1].status == 303
    assert (await _activity(db)).settings["templates"] == [str(flash.id), str(five.id)]
    edit = await _published_editor(client, token, path)
    assert 'name="templates.0"' not in edit.text and "fixed once it is published" in edit.text
    only_five = _form(token, "collection", name="Deals", **{"templates.0": str(five.id)})
    assert (await client.post(path, data=only_five))[1].status == 303
    activity = await _activity(db)
    assert (activity.name, activity.settings["templates"]) == (
        "Deals",
        [str(flash.id), str(five.id)],
    )


@pytest.mark.parametrize(
    ("chosen", "beside", "says"),
    [({}, "templates-0", "Choose at least one coupon"), (None, "templates-1", "already")],
)
async def test_a_collection_without_coupons_or_with_one_twice_is_refused(
    client, db, merchant, token, chosen, beside, says
) -> None:
    template = await coupon_template(db, merchant)
    if chosen is None:
        chosen = {"templates.0": str(template.id), "templates.1": str(template.id)}
    _, response = await client.post(
        "/console/activities/", data=_form(token, "collection", **chosen)
    )
    assert response.status == 422
    assert f'id="{beside}-error"' in response.text and says in response.text


async def test_an_unknown_kind_is_refused(client, token) -> None:
    _, page = await client.get("/console/activities/new?kind=bingo")
    assert page.status == 422
    _, response = await client.post("/console/activities/", data=_form(token, "bingo"))
    assert response.status == 422


@pytest.mark.parametrize("kind", ["marquee", "red_envelope", "collection"])
async def test_a_manager_opens_each_kinds_editor_and_a_cashier_is_refused(
    client, db, merchant, kind
) -> None:
    await staff(db, merchant, Role.MANAGER, "boss@shop.example")
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "boss@shop.example")
    _, editor = await client.get(f"/console/activities/new?kind={kind}")
    assert editor.status == 200 and f'name="kind" value="{kind}"' in editor.text
    await log_in(client, "till@shop.example")
    _, refused = await client.get(f"/console/activities/new?kind={kind}")
    assert refused.status == 403
    token = csrf_token((await client.get("/console/cashier/"))[1].text)
    _, response = await client.post("/console/activities/", data=_form(token, kind))
    assert response.status == 403


async def test_a_cashier_cannot_publish_a_managers_marquee(client, db, merchant, token) -> None:
    _, created = await client.post("/console/activities/", data=_marquee(token))
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    cashier_token = csrf_token((await client.get("/console/cashier/"))[1].text)
    path = created.headers["location"]
    _, response = await client.post(f"{path}/publish", data={"csrf_token": cashier_token})
    assert response.status == 403
    assert (await _activity(db)).status == "draft"


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("en", ["New marquee", "Cell 8", "New red envelope", "Least share", "Coupon 1"]),
        ("es", ["Nueva marquesina", "Casilla 8", "Nuevo sobre rojo", "Parte mínima", "Cupón 1"]),
    ],
)
async def test_every_kinds_editor_is_said_in_the_visitors_language(
    client, db, merchant, token, language, titles
) -> None:
    await coupon_template(db, merchant)
    pages = ""
    for kind in ("marquee", "red_envelope", "collection"):
        _, editor = await client.get(f"/console/activities/new?kind={kind}&lang={language}")
        assert editor.status == 200
        pages += editor.text
    assert all(title in pages for title in titles)
