"""Code batches in the console: generated from a pattern, opened for a partner's codes, a
partner's CSV imported whole or not at all with every bad line listed, and exported as CSV."""

from sqlalchemy import func, select

from core.codes.models import Code, CodeBatch
from core.staff.models import Role
from tests.web.console.staff import log_in, staff


async def _batches(db) -> list[CodeBatch]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(select(CodeBatch))).scalars())


async def _code_count(db) -> int:
    async with db.transaction(write=False) as session:
        return (await session.execute(select(func.count()).select_from(Code))).scalar_one()


async def _create(client, token: str, **fields: str):
    form = {
        "csrf_token": token,
        "name": "Spring flyer",
        "kind": "generated",
        "count": "20",
        "pattern": "SPRING-##########",
        "reward": "points",
        "points": "50",
        **fields,
    }
    _, response = await client.post("/console/codes/", data=form)
    return response


async def _partner_batch(client, db, token: str) -> CodeBatch:
    response = await _create(client, token, kind="imported", name="StreamCo")
    assert response.status == 303
    [batch] = await _batches(db)
    return batch


async def _upload(client, batch: CodeBatch, token: str, content: bytes):
    _, response = await client.post(
        f"/console/codes/{batch.id}/import",
        data={"csrf_token": token},
        files={"file": ("codes.csv", content, "text/csv")},
    )
    return response


async def test_a_generated_batch_has_its_codes_and_grants_the_points_typed(
    client, db, token
) -> None:
    response = await _create(client, token)
    assert response.status == 303
    [batch] = await _batches(db)
    assert (batch.kind, batch.reward) == ("generated", {"type": "points", "amount": 50})
    assert await _code_count(db) == 20
    _, listing = await client.get("/console/codes/")
    assert "Spring flyer" in listing.text and "20 of 20" in listing.text


async def test_a_bad_count_is_shown_beside_its_field_and_nothing_typed_is_lost(
    client, db, token
) -> None:
    response = await _create(client, token, count="many", name="Tea flyer", points="")
    assert response.status == 422
    assert 'id="count-error"' in response.text
    assert 'value="many"' in response.text and 'value="Tea flyer"' in response.text
    assert await _batches(db) == []


async def test_points_asked_for_but_not_typed_are_asked_for_beside_the_amount(
    client, db, token
) -> None:
    response = await _create(client, token, points="")
    assert response.status == 422
    assert 'id="points-error"' in response.text
    assert 'value="SPRING-##########"' in response.text
    assert await _batches(db) == []


async def test_a_partner_csv_with_bad_lines_imports_nothing_and_lists_each_line(
    client, db, token
) -> None:
    batch = await _partner_batch(client, db, token)
    response = await _upload(client, batch, token, b"code\nSTREAM-1\nSTREAM-1\nA,B\nSTREAM-2\n")
    assert response.status == 422
    assert 'id="file-error"' in response.text and "2 lines need fixing" in response.text
    assert "line 3: duplicate of line 2" in response.text
    assert "line 4: expected 1 column" in response.text
    assert await _code_count(db) == 0


async def test_a_good_partner_csv_is_imported_once_and_exported(client, db, token) -> None:
    batch = await _partner_batch(client, db, token)
    for imported, present in ((2, 0), (0, 2)):
        response = await _upload(client, batch, token, b"STREAM-1\r\nSTREAM-2\r\n")
        assert response.status == 303
        _, page = await client.get(response.headers["location"])
        assert f"{imported} codes imported; {present} were already there" in page.text
    assert await _code_count(db) == 2
    _, export = await client.get(f"/console/codes/{batch.id}/export")
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.splitlines() == [
        "code,status,customer,used_at",
        "STREAM-1,available,,",
        "STREAM-2,available,,",
    ]


async def test_an_import_without_a_file_asks_for_one_beside_the_field(client, db, token) -> None:
    batch = await _partner_batch(client, db, token)
    _, response = await client.post(f"/console/codes/{batch.id}/import", data={"csrf_token": token})
    assert response.status == 422
    assert 'id="file-error"' in response.text and "Choose a CSV file" in response.text


async def test_an_import_without_the_csrf_token_is_refused(client, db, token) -> None:
    batch = await _partner_batch(client, db, token)
    _, response = await client.post(
        f"/console/codes/{batch.id}/import",
        files={"file": ("codes.csv", b"STREAM-1\n", "text/csv")},
    )
    assert response.status == 403
    assert await _code_count(db) == 0


async def test_a_cashier_is_refused_the_code_screens(client, db, merchant, token) -> None:
    batch = await _partner_batch(client, db, token)
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    for path in ("/console/codes/", "/console/codes/new", f"/console/codes/{batch.id}/export"):
        _, response = await client.get(path)
        assert response.status == 403, path
