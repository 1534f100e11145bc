"""Provably fair draws: anyone holding the revealed server seed can recompute every try.

The construction, step by step, so it can be checked with any HMAC-SHA256 and SHA-256 tool:

1. **Server seed.** 32 random bytes written as 64 lowercase hex characters. Before the activity
   goes live we publish ``seed_hash = SHA-256(seed text)``, the hash of those 64 ASCII characters
   (not of the 32 decoded bytes), in lowercase hex. The seed is revealed when the activity ends.
2. **Digest of one try.** ``digest = HMAC-SHA256(key = seed text as ASCII bytes,
   message = UTF-8 bytes of "<client_seed>:<nonce>")``, the nonce in decimal without padding,
   e.g. ``hmac.new(b"9f2c...", b"my-seed:42", hashlib.sha256).digest()``. 32 bytes.
3. **Prize.** The prize table lists (prize key, integer weight) in a fixed order; its fingerprint
   is the SHA-256 (lowercase hex) of the compact JSON ``[["gold",1],["thanks",3]]`` encoded as
   UTF-8: no spaces, non-ASCII characters unescaped, the same text as JavaScript's
   ``JSON.stringify``. From it we build an alias table (Vose's method, integers only, see
   ``build_alias``): for each of the ``n`` columns a threshold and an alias column. Then
   ``column = int(digest[0:8], big-endian) mod n`` and
   ``coin = int(digest[8:16], big-endian) mod total_weight``; the prize is the column's own
   entry if ``coin < threshold[column]``, else the entry of ``alias[column]``.
4. **Marquee cell.** When the prize lies on several of the 8 cells, the light stops on
   ``cells[int(digest[16:24], big-endian) mod len(cells)]``, cells in clockwise order from the
   top-left.

No floating point is involved anywhere, so every platform gets the same answer.

Modulo bias: reducing a uniform 64-bit number mod ``m`` favours some residues by at most
``m / 2**64`` relative. Tables are refused above ``MAX_TOTAL_WEIGHT = 2**40`` (so ``n`` and the
total weight are both at most 2**40), which bounds the bias below 2**-24 (6e-8); a real table of a
few thousand prizes with weights up to 10**6 stays below 10**-9, far beneath what 100,000 or even
a billion tries could detect.
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_TOTAL_WEIGHT = 2**40  # keeps modulo bias below 2**-24, see the module docstring
MARQUEE_CELLS = 8


def new_server_seed() -> str:
    return secrets.token_bytes(32).hex()


def seed_hash(server_seed: str) -> str:
    return hashlib.sha256(server_seed.encode("utf-8")).hexdigest()


def roll(server_seed: str, client_seed: str, nonce: int) -> bytes:
    if nonce < 0:
        raise ValueError("nonce must be >= 0")
    message = f"{client_seed}:{nonce}".encode()
    return hmac.new(server_seed.encode("utf-8"), message, hashlib.sha256).digest()


def build_alias(weights: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Vose's alias method in exact integers: returns (thresholds, aliases) per column.

    Column ``i`` holds ``weights[i] * n`` units out of a capacity of ``total`` units (the
    probability ``weights[i] / total`` scaled by ``total * n``). A column short of capacity is
    topped up from a column with a surplus, which becomes its alias. The sum of what is left is
    always ``columns left * total``, so the work ends with every column exactly full: no rounding
    residue to patch, unlike the float version.

    The exact order matters (another valid alias table gives other prizes for the same digest):
    ``units[i] = weights[i] * n``; ``small`` lists the columns with ``units < total`` and
    ``large`` those with ``units >= total``, both in ascending index order. While both are
    non-empty: take ``short`` from the end of ``small`` and ``donor`` from the end of ``large``;
    set ``threshold[short] = units[short]``, ``alias[short] = donor``; subtract
    ``total - units[short]`` from ``units[donor]`` and append ``donor`` to the end of ``small``
    or ``large`` by the same rule. Every other column keeps ``threshold = total`` (never aliased)
    and ``alias`` = itself.
    """
    n, total = len(weights), sum(weights)
    units = [w * n for w in weights]
    thresholds, aliases = [total] * n, list(range(n))
    small = [i for i, u in enumerate(units) if u < total]
    large = [i for i, u in enumerate(units) if u >= total]
    while small and large:
        short, donor = small.pop(), large.pop()
        thresholds[short], aliases[short] = units[short], donor
        units[donor] -= total - units[short]
        (small if units[donor] < total else large).append(donor)
    return tuple(thresholds), tuple(aliases)


@dataclass(frozen=True)
class PrizeTable:
    """(prize key, weight) pairs in a fixed order; the alias table is built once, here."""

    entries: tuple[tuple[str, int], ...]
    total_weight: int = field(init=False, repr=False, compare=False)
    thresholds: tuple[int, ...] = field(init=False, repr=False, compare=False)
    aliases: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_entries(self.entries)
        weights = [w for _, w in self.entries]
        thresholds, aliases = build_alias(weights)
        # frozen dataclass: derived fields are set once, through object.__setattr__
        object.__setattr__(self, "total_weight", sum(weights))
        object.__setattr__(self, "thresholds", thresholds)
        object.__setattr__(self, "aliases", aliases)

    @classmethod
    def of(cls, entries: Iterable[tuple[str, int]]) -> "PrizeTable":
        return cls(tuple((key, weight) for key, weight in entries))


def _check_entries(entries: tuple[tuple[str, int], ...]) -> None:
    if not entries:
        raise ValueError("a prize table needs at least one prize")
    keys = [key for key, _ in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("prize keys must be unique")
    for key, weight in entries:
        # bool is an int subclass; True as a weight is a bug upstream, not a weight of 1
        if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
            raise ValueError(f"weight of {key!r} must be an integer > 0, got {weight!r}")
    if sum(w for _, w in entries) > MAX_TOTAL_WEIGHT:
        raise ValueError(f"total weight must be at most {MAX_TOTAL_WEIGHT}")


def _uint64(digest: bytes, start: int) -> int:
    if len(digest) < start + 8:
        raise ValueError(f"digest too short: need {start + 8} bytes, got {len(digest)}")
    return int.from_bytes(digest[start : start + 8], "big")


def pick(table: PrizeTable, digest: bytes) -> str:
    column = _uint64(digest, 0) % len(table.entries)
    coin = _uint64(digest, 8) % table.total_weight
    chosen = column if coin < table.thresholds[column] else table.aliases[column]
    return table.entries[chosen][0]


def table_fingerprint(table: PrizeTable) -> str:
    canonical = json.dumps(
        [[key, weight] for key, weight in table.entries], separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify(
    server_seed: str, client_seed: str, nonce: int, table: PrizeTable, recorded_prize_key: str
) -> bool:
    """Whether the recorded prize is what the seeds and the table give.

    Checking the revealed seed against the published ``seed_hash`` is the caller's other half.
    """
    return pick(table, roll(server_seed, client_seed, nonce)) == recorded_prize_key


def cell_for(prize_key: str, layout: Sequence[str | None], digest: bytes) -> int:
    """The marquee cell (0..7, clockwise from the top-left) the light stops on for this prize."""
    if len(layout) != MARQUEE_CELLS:
        raise ValueError(f"a marquee has {MARQUEE_CELLS} cells, got {len(layout)}")
    cells = [i for i, key in enumerate(layout) if key == prize_key]
    if not cells:
        raise ValueError(f"prize {prize_key!r} is on no marquee cell")
    return cells[_uint64(digest, 16) % len(cells)]
