import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.activities.envelopes import split_pot


@st.composite
def valid_envelopes(draw: st.DrawFn) -> tuple[int, int, int]:
    shares = draw(st.integers(min_value=1, max_value=200))
    min_share = draw(st.integers(min_value=0, max_value=1000))
    pot = draw(st.integers(min_value=shares * min_share, max_value=10**7))
    return pot, shares, min_share


@given(valid_envelopes(), st.integers(min_value=0, max_value=2**32))
@settings(max_examples=300, deadline=None)
def test_every_share_is_at_least_the_minimum_and_the_shares_sum_to_the_pot(
    envelope: tuple[int, int, int], seed: int
) -> None:
    pot, shares, min_share = envelope
    split = split_pot(pot, shares, min_share, rng=random.Random(seed))
    assert len(split) == shares
    assert min(split) >= min_share
    assert sum(split) == pot


@given(valid_envelopes())
@settings(max_examples=50, deadline=None)
def test_the_system_random_default_keeps_the_same_laws(envelope: tuple[int, int, int]) -> None:
    pot, shares, min_share = envelope
    split = split_pot(pot, shares, min_share)
    assert len(split) == shares and min(split) >= min_share and sum(split) == pot


@given(
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=1, max_value=1000),
    st.integers(min_value=1, max_value=1000),
)
def test_a_pot_too_small_for_the_minimum_is_refused(
    shares: int, min_share: int, short: int
) -> None:
    with pytest.raises(ValueError):
        split_pot(shares * min_share - short, shares, min_share)


@pytest.mark.parametrize(("pot", "shares", "min_share"), [(100, 0, 1), (100, -3, 0), (100, 5, -1)])
def test_no_shares_or_a_negative_minimum_is_refused(pot: int, shares: int, min_share: int) -> None:
    with pytest.raises(ValueError):
        split_pot(pot, shares, min_share)


def test_a_seeded_rng_reproduces_the_split() -> None:
    first = split_pot(1_000_000, 50, 10, rng=random.Random(2024))
    assert split_pot(1_000_000, 50, 10, rng=random.Random(2024)) == first
    assert split_pot(1_000_000, 50, 10, rng=random.Random(2025)) != first


def test_edge_splits_are_exact() -> None:
    assert split_pot(777, 1, 5) == [777]
    assert split_pot(50, 10, 5) == [5] * 10
    assert split_pot(0, 3, 0) == [0, 0, 0]


def test_a_large_pot_is_split_unevenly() -> None:
    split = split_pot(10**6, 100, 1, rng=random.Random(7))
    assert len(set(split)) > 90
    assert max(split) > 2 * 10**4 > min(split)


def test_no_opening_position_is_favoured() -> None:
    rng = random.Random(11)
    splits = [split_pot(10_000, 10, 1, rng=rng) for _ in range(4000)]
    position_means = [statistics.fmean(column) for column in zip(*splits, strict=True)]
    # each share averages 1,000; its standard error over 4,000 splits is about 15
    assert all(abs(mean - 1000) < 80 for mean in position_means)
