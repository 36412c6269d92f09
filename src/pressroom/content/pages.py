"""A page of a keyset-paginated list, and the bookkeeping for building its query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


class Params:
    """Collects query arguments and hands out their $n placeholders, so optional filters can be
    added to a query as constant SQL fragments while every value stays a bound parameter."""

    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"
