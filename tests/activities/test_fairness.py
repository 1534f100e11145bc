import hashlib
import hmac
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.activities.fairness import (
    MARQUEE_CELLS,
    PrizeTable,
    cell_for,
    new_server_seed,
    pick,
    roll,
    seed_hash,
    table_fingerprint,
    verify,
)

SEED = "5f0b3c1e9a7d4b2c8e6f1a3d5c7b9e0f2a4c6e8b0d1f3a5c7e9b2d4f6a8c0e1b"
WHEEL = PrizeTable.of([("p1", 1), ("p2", 2), ("p3", 3), ("p10", 10), ("p84", 84)])


def digest_for(column: int, coin: int, cell: int = 0) -> bytes:
    return b"".join(v.to_bytes(8, "big") for v in (column, coin, cell)) + bytes(8)


def upper_regularized_gamma(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, Lentz's continued fraction above."""
    if x <= 0:
        return 1.0
    log_prefactor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        n = a
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= x / n
            total += term
        return 1 - total * math.exp(log_prefactor)
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h * math.exp(log_prefactor)


def chi2_survival(statistic: float, dof: int) -> float:
    return upper_regularized_gamma(dof / 2, statistic / 2)


def chi2_statistic(observed: Counter[str], table: PrizeTable, draws: int) -> float:
    return sum(
        (observed[key] - draws * weight / table.total_weight) ** 2
        / (draws * weight / table.total_weight)
        for key, weight in table.entries
    )


@pytest.mark.parametrize(
    ("statistic", "dof", "expected"),
    [
        (9.488, 4, 0.05),
        (18.467, 4, 0.001),
        (3.841, 1, 0.05),
        (3.940, 10, 0.95),
        (0.0, 3, 1.0),
        (2.0, 2, math.e**-1),
    ],
)
def test_chi2_survival_matches_table_values(statistic: float, dof: int, expected: float) -> None:
    assert chi2_survival(statistic, dof) == pytest.approx(expected, rel=1e-3)


def test_roll_is_hmac_sha256_keyed_by_seed_text_over_client_seed_and_nonce() -> None:
    expected = hmac.new(SEED.encode(), b"alice:42", hashlib.sha256).digest()
    assert roll(SEED, "alice", 42) == expected
    # printf 'alice:42' | openssl dgst -sha256 -hmac "$SEED"
    assert roll(SEED, "alice", 42).hex() == (
        "54f7a46340cfef413978c0b62e4e9c3fc108007c097d84cc671a0126da7ef0ce"
    )


def test_roll_refuses_negative_nonce() -> None:
    with pytest.raises(ValueError):
        roll(SEED, "alice", -1)


def test_seed_hash_is_sha256_of_seed_text_and_seeds_are_fresh() -> None:
    assert seed_hash(SEED) == hashlib.sha256(SEED.encode()).hexdigest()
    seed = new_server_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0
    assert seed != new_server_seed()


def test_pick_is_deterministic_for_a_digest() -> None:
    digest = roll(SEED, "bob", 7)
    assert {pick(WHEEL, digest) for _ in range(10)} == {pick(WHEEL, digest)}


def test_pick_reads_column_then_coin_as_documented() -> None:
    table = PrizeTable.of([("rare", 1), ("common", 3)])
    # n=2, total=4: "rare" has 2 of 4 units (threshold 2, alias "common"); "common" is full
    assert table.thresholds == (2, 4) and table.aliases == (1, 1)
    assert pick(table, digest_for(0, 0)) == "rare"
    assert pick(table, digest_for(0, 1)) == "rare"
    assert pick(table, digest_for(0, 2)) == "common"
    assert pick(table, digest_for(2, 5)) == "rare"  # both values reduce modulo n and total


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
@settings(max_examples=60, deadline=None)
def test_alias_table_gives_each_prize_exactly_its_weight(weights: list[int]) -> None:
    table = PrizeTable.of((f"p{i}", w) for i, w in enumerate(weights))
    n, total = len(weights), sum(weights)
    outcomes = Counter(
        pick(table, digest_for(column, coin)) for column in range(n) for coin in range(total)
    )
    assert outcomes == {f"p{i}": w * n for i, w in enumerate(weights)}


def test_100k_draws_pass_chi_square_at_p_above_0_001() -> None:
    draws = 100_000
    observed = Counter(pick(WHEEL, roll(SEED, "client", nonce)) for nonce in range(draws))
    p_value = chi2_survival(chi2_statistic(observed, WHEEL, draws), len(WHEEL.entries) - 1)
    assert p_value > 0.001


def test_chi_square_check_rejects_a_one_percent_skew() -> None:
    draws = 100_000
    observed = Counter(pick(WHEEL, roll(SEED, "client", nonce)) for nonce in range(draws))
    skewed = PrizeTable.of([("p1", 2), ("p2", 2), ("p3", 3), ("p10", 10), ("p84", 83)])
    p_value = chi2_survival(chi2_statistic(observed, skewed, draws), len(skewed.entries) - 1)
    assert p_value < 1e-6


def test_verify_accepts_the_recorded_prize_and_rejects_any_other() -> None:
    won = pick(WHEEL, roll(SEED, "carol", 3))
    assert verify(SEED, "carol", 3, WHEEL, won)
    assert not any(verify(SEED, "carol", 3, WHEEL, key) for key, _ in WHEEL.entries if key != won)


def test_verify_rejects_a_try_recomputed_with_another_seed() -> None:
    table = PrizeTable.of([("a", 1), ("b", 1)])
    other_seed = "0" * 64
    nonce = next(
        n
        for n in range(100)
        if pick(table, roll(SEED, "x", n)) == "a" and pick(table, roll(other_seed, "x", n)) == "b"
    )
    assert verify(SEED, "x", nonce, table, "a")
    assert not verify(other_seed, "x", nonce, table, "a")


def test_fingerprint_is_sha256_of_compact_json_and_order_sensitive() -> None:
    table = PrizeTable.of([("gold", 1), ("thanks", 3)])
    expected = hashlib.sha256(b'[["gold",1],["thanks",3]]').hexdigest()
    assert table_fingerprint(table) == expected
    assert table_fingerprint(PrizeTable.of([("gold", 1), ("thanks", 3)])) == expected
    assert table_fingerprint(PrizeTable.of([("thanks", 3), ("gold", 1)])) != expected
    assert table_fingerprint(PrizeTable.of([("gold", 2), ("thanks", 3)])) != expected


def test_table_with_one_prize_always_picks_it() -> None:
    table = PrizeTable.of([("only", 5)])
    assert {pick(table, roll(SEED, "c", n)) for n in range(200)} == {"only"}


@pytest.mark.parametrize("weight", [0, -1, 1.5, True])
def test_table_refuses_weights_that_are_not_positive_integers(weight: object) -> None:
    with pytest.raises(ValueError):
        PrizeTable.of([("a", 1), ("b", weight)])  # type: ignore[list-item]


def test_table_refuses_no_prizes_duplicate_keys_and_huge_totals() -> None:
    for entries in ([], [("a", 1), ("a", 2)], [("a", 2**40), ("b", 1)]):
        with pytest.raises(ValueError):
            PrizeTable.of(entries)


def test_pick_refuses_a_short_digest() -> None:
    with pytest.raises(ValueError):
        pick(WHEEL, bytes(15))


LAYOUT = ["gold", "thanks", "points", "thanks", "silver", "thanks", "points", None]


def test_cell_for_returns_a_cell_holding_the_prize() -> None:
    for nonce in range(50):
        digest = roll(SEED, "m", nonce)
        for prize in ("gold", "silver", "points", "thanks"):
            assert LAYOUT[cell_for(prize, LAYOUT, digest)] == prize


def test_cell_for_spreads_over_every_cell_of_a_repeated_prize() -> None:
    cells = Counter(cell_for("thanks", LAYOUT, roll(SEED, "m", n)) for n in range(3000))
    assert set(cells) == {1, 3, 5}
    assert min(cells.values()) > 900


def test_cell_for_uses_bytes_16_to_24() -> None:
    assert [cell_for("thanks", LAYOUT, digest_for(0, 0, k)) for k in range(4)] == [1, 3, 5, 1]


def test_cell_for_refuses_a_prize_not_on_the_board_and_a_wrong_layout() -> None:
    with pytest.raises(ValueError):
        cell_for("bronze", LAYOUT, roll(SEED, "m", 0))
    with pytest.raises(ValueError):
        cell_for("gold", LAYOUT[: MARQUEE_CELLS - 1], roll(SEED, "m", 0))
