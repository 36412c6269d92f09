"""Seeded random streams shared by the corpus modules.

Every stream is seeded with a stable 64-bit integer mix, never ``hash()``, so output does not
depend on the run or on hash randomisation. Draws go through ``choice`` and ``pick`` rather
than ``Random.choice`` and ``Random.choices`` so that only integer arithmetic and IEEE-exact
float operations decide which alternative comes out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from random import Random
from typing import TypeVar

_T = TypeVar("_T")

_MASK64 = (1 << 64) - 1

# Kept together so that a new stream gets a salt distinct from the others: two streams with
# one salt would draw the same numbers for the same seed and index.
SITE_SALT, PROFILE_SALT, ARTICLE_SALT, POOL_SALT = 0x5173, 0x9F0F, 0xA271, 0x9001


def new_rng() -> Random:
    return Random()  # noqa: S311 - synthetic data, not security


def mix64(value: int) -> int:
    # splitmix64's finaliser: a bijection on 64-bit ints that scatters neighbouring indexes.
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def stream_base(seed: int, salt: int) -> int:
    return mix64(mix64(seed & _MASK64) ^ salt)


def choice(options: Sequence[_T], rng: Random) -> _T:
    # Random.choice draws via getrandbits and costs three times as much.
    return options[int(rng.random() * len(options))]


def pick(cumulative: Sequence[int], rng: Random) -> int:
    # min() guards against the float product rounding up to the total.
    position = bisect.bisect(cumulative, rng.random() * cumulative[-1])
    return min(position, len(cumulative) - 1)
