"""The benchmarks stay runnable: each runs here on a tiny input (figures come from `make bench`)."""

from bench.codes import main


async def test_codes_benchmark_runs_on_a_small_batch(capsys) -> None:
    await main(200, None)
    table = capsys.readouterr().out
    assert "sqlite" in table
    assert "ratio" in table
