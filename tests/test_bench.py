"""The benchmarks stay runnable: each runs here on a tiny input (figures come from `make bench`)."""

import shutil

import pytest

from bench import lines, run
from bench.codes import main

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


async def test_codes_benchmark_runs_on_a_small_batch(capsys) -> None:
    await main(200, None)
    table = capsys.readouterr().out
    assert "sqlite" in table
    assert "ratio" in table


@needs_wrk
async def test_every_bench_line_runs_on_a_tiny_input_and_oversells_nothing(tmp_path) -> None:
    options = lines.Options(seconds=1, clients=4, stock=40, codes=200, broadcast=20)
    report = await run.main(options, ["sqlite"], run.DEFAULT_POSTGRES, tmp_path)
    names = [line["name"] for line in report["lines"]]
    assert names == [
        "idle memory of confetti serve",
        "flash-sale claim, one stock row, 4 clients",
        "flash-sale claim, 16 stock shards, 4 clients",
        "flash-sale claim, 16 stock shards, 8 clients",
        "sold-out claim",
        "lucky draw try, 4 clients",
        "validate, 20-line order, 3 codes",
        "telegram webhook, 20 bots, 4 clients",
        "telegram replies, 20 bots",
        "broadcast to 20 Telegram customers",
        "codes, 200 generated and stored",
    ]
    for line in report["lines"]:
        assert line["oversold"] == 0, line
        assert line["unfinished"] == 0, line
        assert line["measured"] > 0, line
        assert {"ratio", "target", "met"} <= set(line)
    assert report["machine"]["cores"] >= 1
    assert "SQLite" in report["machine"]["databases"]["sqlite"]
    assert list(tmp_path.glob("bench-*.json"))
