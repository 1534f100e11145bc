"""A partner's CSV, however its lines end and whatever is wrong with it: imported whole, or
refused with 422 `import_rejected` naming each bad line, and never a 500. The same reader serves
`confetti codes import`. A multipart upload carries exactly one part, named `file`."""

import asyncio

import pytest
from click.testing import CliRunner

from tests.codes.test_codes import export, post, shop, upload  # noqa: F401  (shop: a fixture)
from tests.factories import bearer
from web.cli import main

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def imported_batch_id(client, key) -> str:
    batch = await post(client, key, "/code-batches", {"name": "StreamCo", "kind": "imported"})
    assert batch.status == 201, batch.text
    return batch.json["id"]


@pytest.mark.parametrize(
    "data",
    [b"code\rA1\rA2\r", b"code\r\nA1\r\nA2\r\n", b"code\nA1\nA2\n", b"code\rA1\r\nA2\nA3"],
    ids=["cr", "crlf", "lf", "mixed"],
)
async def test_every_line_ending_imports_the_same_codes(client, shop, data) -> None:  # noqa: F811
    _, key = shop
    batch_id = await imported_batch_id(client, key)

    response = await upload(client, key, batch_id, data)

    assert response.status == 200, response.text
    expected = {"A1", "A2"} | ({"A3"} if data.endswith(b"A3") else set())
    assert {row["code"] for row in await export(client, key, batch_id)} == expected


@SQLITE_ONLY
async def test_a_bad_row_of_a_cr_file_is_named_by_its_line(client, shop) -> None:  # noqa: F811
    _, key = shop
    response = await upload(client, key, await imported_batch_id(client, key), b"code\rA1\r\rA1\r")
    assert response.status == 422, response.text
    assert [p["message"] for p in response.json["error"]["problems"]] == [
        "line 3: empty row",
        "line 4: duplicate of line 2",
    ]


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"code\nA1\nA\x00B\n", ["line 3: the line holds the control character U+0000"]),
        (b"\x00\x00\x00", ["line 1: the line holds the control character U+0000"]),
        (b"code\nA1\nCAF\xc9\nB2\n\xff\n", ["line 3: the line holds U+DCC9", "line 5"]),
        (b"code\rA1\rCAF\xc9\r", ["line 3: the line holds U+DCC9, a byte that is not UTF-8"]),
        (b"code\nA1\n" + b"X" * 200_000 + b"\n", ["line 3: not readable as CSV"]),
        (
            b'code\nA1\n"X\nY"\nB\x01\n',
            ["line 3: code has characters that are not printable", "line 5"],
        ),
    ],
    ids=["nul", "only-nuls", "not-utf8", "not-utf8-cr", "huge-field", "after-a-quoted-break"],
)
async def test_an_unreadable_file_is_422_import_rejected_naming_its_lines(
    client,
    shop,  # noqa: F811
    data,
    lines,
) -> None:
    _, key = shop
    batch_id = await imported_batch_id(client, key)

    response = await upload(client, key, batch_id, data)

    assert response.status == 422, response.text
    error = response.json["error"]
    assert (error["code"], error["field"]) == ("import_rejected", "file")
    problems = [problem["message"] for problem in error["problems"]]
    assert len(problems) == len(lines)
    for problem, line in zip(problems, lines, strict=True):
        assert problem.startswith(line), problems
    assert await export(client, key, batch_id) == []


def csv_file(name: str, body: bytes = b"A1\n") -> tuple[str, bytes, str]:
    return (name, body, "text/csv")


def form_field_only(name: str, value: bytes) -> dict:
    """A multipart body with one plain field, which httpx would send as a urlencoded form."""
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + b'"\r\n\r\n'
        + value
        + b"\r\n--XyZ--\r\n"
    )
    return {"content": body, "headers": {"Content-Type": "multipart/form-data; boundary=XyZ"}}


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("parts", "field", "says"),
    [
        ({"files": [("file", csv_file("a.csv")), ("file", csv_file("b.csv"))]}, "file", "has 2"),
        ({"files": [("codes", csv_file("a.csv"))]}, "codes", "Unexpected part 'codes'"),
        ({"files": [("file", csv_file("a.csv"))], "data": {"batch": "x"}}, "batch", "'batch'"),
        (form_field_only("file", b"A1"), "file", "must be a file"),
        ({"content": b"--", "headers": {"Content-Type": "multipart/form-data"}}, "file", "no part"),
    ],
    ids=["two-files", "another-name", "an-extra-field", "a-field-not-a-file", "no-parts"],
)
async def test_a_multipart_import_takes_exactly_one_part_named_file(
    client,
    shop,  # noqa: F811
    parts,
    field,
    says,
) -> None:
    _, key = shop
    parts = dict(parts)
    batch_id = await imported_batch_id(client, key)
    headers = {**bearer(key), **parts.pop("headers", {})}

    _, response = await client.post(
        f"/api/v1/code-batches/{batch_id}/import", headers=headers, **parts
    )

    assert response.status == 422, response.text
    error = response.json["error"]
    assert (error["code"], error["field"]) == ("validation_failed", field)
    assert says in error["message"]
    assert await export(client, key, batch_id) == []


@SQLITE_ONLY
async def test_the_cli_imports_a_cr_file_and_names_a_bad_line(
    client,
    shop,  # noqa: F811
    tmp_path,
    monkeypatch,
    settings,
) -> None:
    _, key = shop
    batch_id = await imported_batch_id(client, key)
    monkeypatch.setenv("CONFETTI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONFETTI_SECRET_KEY", settings.secret_key)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(b"code\rCR-1\rCR-2\rCR-3\r")
    bad.write_bytes(b"code\rCR-4\rCR\x005\r")
    runner = CliRunner()

    imported = await asyncio.to_thread(
        runner.invoke, main, ["codes", "import", str(good), "--batch", batch_id]
    )
    refused = await asyncio.to_thread(
        runner.invoke, main, ["codes", "import", str(bad), "--batch", batch_id]
    )

    assert imported.exit_code == 0, imported.output
    assert "Imported 3 codes" in imported.output
    assert refused.exit_code == 1
    assert "line 3: the line holds the control character U+0000" in refused.output
