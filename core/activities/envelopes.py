"""Red envelope: split a pot into shares once, at publish time.

Shares are pre-split and stored as rows, so opening an envelope is "take one share" with the
stock mechanism: no split arithmetic under concurrency, and the sum is exact by construction.

Algorithm (stars and bars over the surplus): every share first gets ``min_share``; the surplus
``S = pot - shares * min_share`` is then cut into ``shares`` parts by choosing ``shares - 1``
distinct bar positions uniformly among ``S + shares - 1`` slots; the parts are the numbers of
slots between consecutive bars. Every way of writing S as an ordered sum of ``shares``
non-negative integers is equally likely.

Why this and not "double mean" (each share uniform in [min, 2 x mean of what is left], the last
taking the rest): double mean makes the spread depend on the position, so the last opener of a
pre-split list faces a far wider range than the first. Here the shares are exchangeable: no
position, hence no opening order, is favoured, and "every split equally likely" is one sentence
a customer can check. It costs O(shares) memory, however large the pot.
"""

import random
import secrets
from itertools import pairwise


def split_pot(
    pot: int, shares: int, min_share: int, *, rng: random.Random | None = None
) -> list[int]:
    if shares < 1:
        raise ValueError("an envelope needs at least one share")
    if min_share < 0:
        raise ValueError("min_share must be >= 0")
    if pot < shares * min_share:
        raise ValueError(f"pot {pot} cannot give {shares} shares of at least {min_share}")
    if rng is None:
        rng = secrets.SystemRandom()
    return [min_share + part for part in _random_composition(pot - shares * min_share, shares, rng)]


def _random_composition(total: int, parts: int, rng: random.Random) -> list[int]:
    """A uniform random composition of ``total`` into ``parts`` non-negative integers."""
    # sample() on a range draws without materialising it, so a pot of 10**9 costs nothing extra
    bars = sorted(rng.sample(range(total + parts - 1), parts - 1))
    edges = [-1, *bars, total + parts - 1]
    return [right - left - 1 for left, right in pairwise(edges)]
