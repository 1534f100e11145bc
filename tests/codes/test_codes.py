"""Code batches end to end: generating, importing, redeeming, handing out, guessing, export."""

import asyncio
import csv
import io

import pytest
from click.testing import CliRunner

from core.clock import utcnow
from core.code_alphabet import ALPHABET
from core.codes.errors import NoCodesLeft
from core.codes.service import assign_code
from tests.factories import bearer, coupon_template, customer, merchant_with_key
from web.cli import main

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
async def shop(db):
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    await customer(db, merchant, "bob")
    return merchant, key


async def post(client, key, path, body=None, **kwargs):
    _, response = await client.post(f"/api/v1{path}", headers=bearer(key), json=body, **kwargs)
    return response


async def generated_batch(client, db, shop, **overrides) -> dict:
    merchant, key = shop
    template = await coupon_template(db, merchant)
    body = {
        "name": "Flyer",
        "kind": "generated",
        "count": 50,
        "pattern": "SPRING-#####-#####",
        "reward": {"type": "coupon", "template_id": str(template.id)},
        **overrides,
    }
    response = await post(client, key, "/code-batches", body)
    assert response.status == 201, response.text
    return response.json


async def imported_batch(client, shop, csv_text: str) -> dict:
    _, key = shop
    batch = await post(client, key, "/code-batches", {"name": "StreamCo", "kind": "imported"})
    assert batch.status == 201, batch.text
    response = await upload(client, key, batch.json["id"], csv_text.encode())
    assert response.status == 200, response.text
    return response.json


async def upload(client, key, batch_id, data: bytes, content_type="text/csv"):
    headers = {**bearer(key), "Content-Type": content_type}
    _, response = await client.post(
        f"/api/v1/code-batches/{batch_id}/import", headers=headers, content=data
    )
    return response


async def export(client, key, batch_id) -> list[dict]:
    _, response = await client.get(f"/api/v1/code-batches/{batch_id}/export", headers=bearer(key))
    assert response.status == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_generated_codes_follow_the_pattern_and_are_distinct(client, db, shop) -> None:
    batch = await generated_batch(client, db, shop, count=2000)
    assert (batch["total_codes"], batch["available_codes"], batch["warnings"]) == (2000, 2000, [])
    codes = [row["code"] for row in await export(client, shop[1], batch["id"])]
    assert len(set(codes)) == 2000
    for code in codes:
        prefix, first, second = code.split("-")
        assert prefix == "SPRING" and len(first) == len(second) == 5
        assert set(first + second) <= set(ALPHABET)


@SQLITE_ONLY
async def test_pattern_refusals_come_before_any_work(client, db, shop) -> None:
    too_small = await post(
        client,
        shop[1],
        "/code-batches",
        {
            "name": "x",
            "kind": "generated",
            "count": 1000,
            "pattern": "A-##",
            "reward": {"type": "points", "amount": 5},
            "allow_low_entropy": True,
        },
    )
    assert (too_small.status, too_small.json["error"]["field"]) == (422, "pattern")
    guessable = await post(
        client,
        shop[1],
        "/code-batches",
        {
            "name": "x",
            "kind": "generated",
            "count": 10,
            "pattern": "A-######",
            "reward": {"type": "points", "amount": 5},
        },
    )
    assert (guessable.status, guessable.json["error"]["field"]) == (422, "pattern")
    assert "bits" in guessable.json["error"]["message"]


@SQLITE_ONLY
async def test_low_entropy_allowed_on_request_with_a_warning(client, db, shop) -> None:
    batch = await generated_batch(client, db, shop, pattern="######", allow_low_entropy=True)
    assert batch["total_codes"] == 50
    assert "low entropy" in batch["warnings"][0]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "generated", "reward": {"type": "points", "amount": 5}}, "count"),
        ({"kind": "generated", "count": 5}, "reward"),
        ({"kind": "generated", "count": 5, "reward": {"type": "none"}}, "reward"),
        ({"kind": "generated", "count": 0, "reward": {"type": "points", "amount": 5}}, "count"),
        ({"kind": "imported", "count": 5}, "count"),
        ({"kind": "imported", "reward": {"type": "points", "amount": 5}}, "reward"),
        ({"kind": "other"}, "kind"),
    ],
)
async def test_bad_batch_is_422_naming_the_field(client, shop, body, field) -> None:
    response = await post(client, shop[1], "/code-batches", {"name": "x", **body})
    assert response.status == 422, response.text
    assert response.json["error"]["field"] == field


async def test_redeeming_grants_the_reward_once_typed_any_way(client, db, shop) -> None:
    batch = await generated_batch(client, db, shop)
    code = (await export(client, shop[1], batch["id"]))[0]["code"]
    typed = code.lower().replace("-", " ")
    first = await post(client, shop[1], "/codes/redeem", {"customer": "alice", "code": typed})
    assert first.status == 200, first.text
    assert first.json["reward"]["type"] == "coupon"
    assert first.json["reward"]["coupon"]["status"] == "available"
    again = await post(client, shop[1], "/codes/redeem", {"customer": "bob", "code": code})
    assert (again.status, again.json["error"]["code"]) == (409, "code_used")
    rows = {row["code"]: row for row in await export(client, shop[1], batch["id"])}
    assert (rows[code]["status"], rows[code]["customer"]) == ("redeemed", "alice")


@SQLITE_ONLY
async def test_unknown_code_is_404_and_partner_codes_are_not_redeemed(client, db, shop) -> None:
    unknown = await post(client, shop[1], "/codes/redeem", {"customer": "alice", "code": "NOPE"})
    assert (unknown.status, unknown.json["error"]["code"]) == (404, "code_not_found")
    await imported_batch(client, shop, "code\nPARTNER-1\n")
    partner = await post(
        client, shop[1], "/codes/redeem", {"customer": "alice", "code": "partner-1"}
    )
    assert (partner.status, partner.json["error"]["code"]) == (409, "code_not_redeemable")


@SQLITE_ONLY
async def test_per_customer_limit_holds(client, db, shop) -> None:
    batch = await generated_batch(client, db, shop, per_customer_limit=1)
    first, second = [row["code"] for row in (await export(client, shop[1], batch["id"]))[:2]]
    assert (
        await post(client, shop[1], "/codes/redeem", {"customer": "alice", "code": first})
    ).status == 200
    refused = await post(client, shop[1], "/codes/redeem", {"customer": "alice", "code": second})
    assert (refused.status, refused.json["error"]["code"]) == (409, "limit_reached")


@SQLITE_ONLY
async def test_expired_batch_refuses_codes(client, db, shop) -> None:
    batch = await generated_batch(
        client, db, shop, valid_from="2020-01-01T00:00:00Z", valid_until="2020-02-01T00:00:00Z"
    )
    code = (await export(client, shop[1], batch["id"]))[0]["code"]
    response = await post(client, shop[1], "/codes/redeem", {"customer": "alice", "code": code})
    assert (response.status, response.json["error"]["code"]) == (409, "code_expired")


@SQLITE_ONLY
async def test_wrong_guesses_are_limited_but_never_block_someone_elses_valid_code(
    client, db, shop, monkeypatch
) -> None:
    # One fixed moment, so the attempts cannot straddle two one-minute windows.
    moment = utcnow().replace(second=5)
    monkeypatch.setattr("web.api.codes.utcnow", lambda: moment)
    batch = await generated_batch(client, db, shop)
    valid = (await export(client, shop[1], batch["id"]))[0]["code"]
    guess = {"customer": "alice", "code": "WRONG-GUESS", "client_ip": "203.0.113.7"}
    statuses = [(await post(client, shop[1], "/codes/redeem", guess)).status for _ in range(10)]
    assert statuses == [404] * 10
    blocked = await post(client, shop[1], "/codes/redeem", {**guess, "code": valid})
    assert (blocked.status, blocked.json["error"]["code"]) == (429, "too_many_attempts")
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    neighbour = {"customer": "bob", "code": valid, "client_ip": "203.0.113.7"}
    assert (await post(client, shop[1], "/codes/redeem", neighbour)).status == 200


@pytest.mark.parametrize("at_once", [30, 100])
async def test_wrong_guesses_sent_at_once_are_checked_no_more_than_the_limit(
    client, db, shop, monkeypatch, at_once
) -> None:
    moment = utcnow().replace(second=5)
    monkeypatch.setattr("web.api.codes.utcnow", lambda: moment)
    guess = {"customer": "alice", "code": "WRONG-GUESS", "client_ip": "203.0.113.7"}
    responses = await asyncio.gather(
        *(post(client, shop[1], "/codes/redeem", guess) for _ in range(at_once))
    )
    codes = [response.json["error"]["code"] for response in responses]
    assert codes.count("code_not_found") == 10
    assert codes.count("too_many_attempts") == at_once - 10


async def test_import_is_all_or_nothing_and_reimport_adds_nothing(client, db, shop) -> None:
    result = await imported_batch(client, shop, "code\nSTREAM-AAA1\nstream-aaa2\nSTREAM-AAA3\n")
    assert (result["imported"], result["already_present"]) == (3, 0)
    batch_id = result["batch"]["id"]
    again = await upload(client, shop[1], batch_id, b"code\nSTREAM-AAA1\nSTREAM-AAA4\n")
    assert (again.json["imported"], again.json["already_present"]) == (1, 1)
    bad = await upload(
        client, shop[1], batch_id, b"code\nSTREAM-AAA9\n\nSTREAM-AAA9\nA,B\n" + b"X" * 90 + b"\n"
    )
    assert bad.status == 422
    message = bad.json["error"]["message"]
    for expected in (
        "line 3: empty row",
        "line 4: duplicate of line 2",
        "line 5: expected 1",
        "line 6: code longer",
    ):
        assert expected in message
    rows = await export(client, shop[1], batch_id)
    assert sorted(row["code"] for row in rows) == [
        "STREAM-AAA1",
        "STREAM-AAA3",
        "STREAM-AAA4",
        "stream-aaa2",
    ]


@SQLITE_ONLY
async def test_import_accepts_a_bom_and_multipart_but_not_other_encodings(client, shop) -> None:
    _, key = shop
    batch = (await post(client, key, "/code-batches", {"name": "P", "kind": "imported"})).json
    with_bom = await upload(client, key, batch["id"], "\ufeffcode\nBOM-1\n".encode())
    assert with_bom.json["imported"] == 1
    latin1 = await upload(client, key, batch["id"], "code\nCAFÉ-1\n".encode("latin-1"))
    assert (latin1.status, latin1.json["error"]["code"]) == (422, "import_rejected")
    assert "UTF-8" in latin1.json["error"]["message"]
    _, multipart = await client.post(
        f"/api/v1/code-batches/{batch['id']}/import",
        headers=bearer(key),
        files={"file": ("codes.csv", b"MULTI-1\nMULTI-2\n", "text/csv")},
    )
    assert multipart.json["imported"] == 2, multipart.text
    as_json = await post(client, key, f"/code-batches/{batch['id']}/import", {"code": "X"})
    assert as_json.status == 415


async def test_200_concurrent_assigns_of_100_codes_give_100_distinct_winners(db) -> None:
    merchant, _ = await merchant_with_key(db)
    people = [await customer(db, merchant, f"c{n}") for n in range(200)]
    from core.codes.schemas import CodeBatchCreate
    from core.codes.service import create_batch, import_codes

    async with db.transaction() as session:
        batch, _ = await create_batch(
            session, merchant, CodeBatchCreate(name="Partner", kind="imported")
        )
        rows = "\n".join(f"GIFT-{n:04d}" for n in range(100)).encode()
        await import_codes(session, merchant.id, batch.id, rows)

    async def assign(person) -> str | None:
        try:
            async with db.transaction() as session:
                return await assign_code(session, merchant.id, batch.id, person)
        except NoCodesLeft:
            return None

    handed = await asyncio.gather(*(assign(person) for person in people))
    winners = [code for code in handed if code is not None]
    assert len(winners) == len(set(winners)) == 100
    assert handed.count(None) == 100


@SQLITE_ONLY
async def test_assign_via_api_hands_out_the_partner_code_as_written(client, shop) -> None:
    result = await imported_batch(client, shop, "code\nNetflix-Gift-0001\n")
    batch_id = result["batch"]["id"]
    given = await post(client, shop[1], f"/code-batches/{batch_id}/assign", {"customer": "alice"})
    assert (given.status, given.json["code"]) == (200, "Netflix-Gift-0001")
    none_left = await post(client, shop[1], f"/code-batches/{batch_id}/assign", {"customer": "bob"})
    assert (none_left.status, none_left.json["error"]["code"]) == (409, "out_of_stock")


@SQLITE_ONLY
async def test_other_merchants_batch_is_404(client, db, shop) -> None:
    batch = await generated_batch(client, db, shop)
    _, other_key = await merchant_with_key(db, name="Other")
    _, response = await client.get(
        f"/api/v1/code-batches/{batch['id']}/export", headers=bearer(other_key)
    )
    assert (response.status, response.json["error"]["code"]) == (404, "batch_not_found")


@SQLITE_ONLY
async def test_cli_import_reports_progress_and_refuses_bad_files(
    client, db, shop, tmp_path, monkeypatch, settings
) -> None:
    _, key = shop
    batch = (await post(client, key, "/code-batches", {"name": "P", "kind": "imported"})).json
    monkeypatch.setenv("CONFETTI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONFETTI_SECRET_KEY", settings.secret_key)
    good = tmp_path / "good.csv"
    good.write_text("code\n" + "\n".join(f"CLI-{n}" for n in range(1200)) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("code\nCLI-X\nCLI-X\n")
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, main, ["codes", "import", str(good), "--batch", batch["id"]]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 1200 codes" in result.output
    refused = await asyncio.to_thread(
        runner.invoke, main, ["codes", "import", str(bad), "--batch", batch["id"]]
    )
    assert refused.exit_code == 1
    assert "line 3: duplicate of line 2" in refused.output


async def test_points_code_credits_the_customers_balance(client, db, shop) -> None:
    from core.customers.service import get_customer
    from core.points.balances import points_balance

    merchant, key = shop
    body = {
        "name": "Points flyer",
        "kind": "generated",
        "count": 3,
        "reward": {"type": "points", "amount": 40},
    }
    batch = (await post(client, key, "/code-batches", body)).json
    code = (await export(client, key, batch["id"]))[0]["code"]
    redeemed = await post(client, key, "/codes/redeem", {"customer": "alice", "code": code})
    assert redeemed.json["reward"] == {"type": "points", "coupon": None, "points": 40, "code": None}
    async with db.transaction(write=False) as session:
        alice = await get_customer(session, merchant.id, "alice")
        assert await points_balance(session, merchant.id, alice.id) == 40


@SQLITE_ONLY
async def test_export_quotes_every_cell_a_spreadsheet_would_run_and_the_quote_drops_off(
    client, db, shop
) -> None:
    merchant, key = shop
    written = ["=1+2", "+SUM(A1)", "-2+3", '@cmd|"/c calc"', "'quoted", "PLAIN-1"]
    upload_text = "code\n" + "".join(
        f'"{code.replace(chr(34), chr(34) * 2)}"\n' for code in written
    )
    batch_id = (await imported_batch(client, shop, upload_text))["batch"]["id"]
    await customer(db, merchant, "+34600111222")
    assigned = await post(
        client, key, f"/code-batches/{batch_id}/assign", {"customer": "+34600111222"}
    )
    assert assigned.status == 200, assigned.text

    rows = await export(client, key, batch_id)

    cells = {row["code"] for row in rows}
    assert cells == {"'=1+2", "'+SUM(A1)", "'-2+3", '\'@cmd|"/c calc"', "''quoted", "PLAIN-1"}
    assert {cell.removeprefix("'") for cell in cells} == set(written), "as docs/api.md says"
    assert [row["customer"] for row in rows if row["customer"]] == ["'+34600111222"]
