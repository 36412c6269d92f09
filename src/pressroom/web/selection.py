"""The time window a page shows, read from its query string and carried across links.

Presets cover what people usually ask (the last hour, day, week); "custom" takes the same
spellings as the CLI's --since/--until (`90m`, `3d`, an ISO timestamp), parsed by the same code.
No window means "since the statistics were last reset", as in the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from pressroom.insights.model import Options
from pressroom.insights.window import WindowError, parse_window

PRESETS = {"1h": "last hour", "1d": "last day", "7d": "last week"}
ALL = "all"
CUSTOM = "custom"
CHOICES = {ALL: "since reset", **PRESETS, CUSTOM: "custom…"}
DEFAULT_OPTIONS = Options()
DEFAULT_LIMIT = DEFAULT_OPTIONS.limit
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Selection:
    choice: str
    since: str
    until: str
    limit: int
    options: Options
    error: str | None = None

    def query(self) -> str:
        """The query string that selects this window again ('' for the default)."""
        params: dict[str, str] = {}
        if self.choice in PRESETS:
            params["window"] = self.choice
        elif self.choice == CUSTOM:
            params["window"] = CUSTOM
            if self.since:
                params["since"] = self.since
            if self.until:
                params["until"] = self.until
        if self.limit != DEFAULT_LIMIT:
            params["limit"] = str(self.limit)
        return urlencode(params)

    def suffix(self) -> str:
        query = self.query()
        return f"?{query}" if query else ""

    @property
    def label(self) -> str:
        if self.choice == CUSTOM:
            return f"since {self.since}" + (f" until {self.until}" if self.until else "")
        return CHOICES.get(self.choice, CHOICES[ALL])


def read_limit(text: str | None) -> int:
    """How many rows a page (or an action posted from it) asks for: a whole number within
    1..MAX_LIMIT; anything else is the default."""
    try:
        return max(1, min(MAX_LIMIT, int(text or DEFAULT_LIMIT)))
    except ValueError:
        return DEFAULT_LIMIT


def read_selection(params: QueryParams, base: Options = DEFAULT_OPTIONS) -> Selection:
    """The window asked for, over `base` (what the server knows, such as the memory budget); a
    window that cannot be read falls back to the default, with the reason to show."""
    choice = params.get("window") or ""
    since = (params.get("since") or "").strip()[:64]
    until = (params.get("until") or "").strip()[:64]
    limit = read_limit(params.get("limit"))
    if not choice:
        choice = CUSTOM if since or until else ALL
    if choice not in CHOICES:
        return Selection(
            ALL, "", "", limit, replace(base, limit=limit), f"unknown window {choice!r}"
        )
    try:
        if choice in PRESETS:
            start, end = parse_window(choice, None)
        elif choice == CUSTOM:
            start, end = parse_window(since or None, until or None)
        else:
            start, end = None, None
    except WindowError as exc:
        return Selection(ALL, since, until, limit, replace(base, limit=limit), str(exc))
    return Selection(
        choice, since, until, limit, replace(base, since=start, until=end, limit=limit)
    )
