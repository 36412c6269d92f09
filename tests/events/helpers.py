"""Event data for tests."""

from __future__ import annotations

from typing import Any

from pressroom.events.store import NewEvent
from pressroom.events.types import EventType


def draft(n: int, **fields: Any) -> dict[str, Any]:
    """A valid article.published payload, distinct per n."""
    return {
        "url": f"https://news.example.org/story/{n}",
        "title": f"Story number {n}",
        "summary": "A summary.",
        "body": "Body text of the story.",
        "language": "en",
        "published_at": f"2026-10-{n % 28 + 1:02d}T12:00:00Z",
        "tags": ["world"],
        **fields,
    }


def tagged(*tags: str) -> NewEvent:
    return NewEvent(EventType.TAGGED, {"tags": list(tags)})
