"""Values as people read them: `1.2 GB`, `35 ms`, `3 h 5 min`. The terminal and the dashboard
show cells through `format_value`, so a size or an age reads the same in both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pressroom.insights.model import Kind

SQL_PREVIEW_CHARS = 120
_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human_bytes(value: float) -> str:
    size = float(value)
    for unit in _BYTE_UNITS:
        if abs(size) < 1024 or unit == _BYTE_UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def human_ms(value: float) -> str:
    if value < 1:
        return f"{value:.3f} ms"
    if value < 1000:
        return f"{value:.1f} ms"
    return human_seconds(value / 1000)


def human_seconds(value: float) -> str:
    seconds = float(value)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s"


def human_number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def rounded(value: float | None, digits: int = 3) -> float | None:
    """A measurement as a table carries it, to `digits` decimals; None (not measured) stays
    None."""
    return None if value is None else round(value, digits)


def ratio_percent(ratio: float) -> float:
    """A 0..1 ratio as the percentage a Kind.PERCENT cell holds, to a tenth."""
    return round(ratio * 100, 1)


def shorten_sql(text: str, limit: int = SQL_PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_value(value: Any, kind: Kind, *, full_sql: bool = False) -> str:
    """A cell as text; None is an empty cell whatever its kind."""
    if value is None:
        return ""
    if kind is Kind.BYTES:
        return human_bytes(value)
    if kind is Kind.MS:
        return human_ms(value)
    if kind is Kind.SECONDS:
        return human_seconds(value)
    if kind is Kind.PERCENT:
        return f"{float(value):.1f}%"
    if kind is Kind.NUMBER and isinstance(value, int | float):
        return human_number(value)
    if kind is Kind.TIMESTAMP and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if kind is Kind.SQL and not full_sql:
        return shorten_sql(str(value))
    return str(value)
