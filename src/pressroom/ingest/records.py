"""From a record as read to an article row, or the reason it is rejected.

The rules are the API's (events/types.py validates both), after the normalisation crawler
output needs: field names as feeds and crawlers spell them, whitespace, RFC 822 dates, and the
language guessed from the script when the record does not say.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from pressroom.events.types import EventType, InvalidEventError, validated_data
from pressroom.ingest.readers import RawRecord

# Names crawlers and feeds use for our fields.
ALIASES = {
    "link": "url",
    "description": "summary",
    "content": "body",
    "text": "body",
    "lang": "language",
    "published": "published_at",
    "pubdate": "published_at",
    "date": "published_at",
    "domain": "site",
}
FIELDS = {"url", "site", "title", "summary", "body", "language", "author", "published_at", "tags",
          "metadata"}  # fmt: skip
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN = re.compile(r"[A-Za-z]")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


@dataclass(frozen=True, slots=True)
class IngestRow:
    line: int
    site: str
    url: str
    title: str
    summary: str
    body: str
    language: str
    author: str | None
    published_at: datetime
    tags: list[str]
    metadata: dict[str, Any]
    source_hash: bytes  # what this source said, to tell a changed re-crawl from a repeat
    position: int = 0  # the record's place in the input, set by the pipeline


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str
    raw: str
    position: int = 0


def guess_language(*texts: str) -> str:
    """Persian when Arabic-script letters outnumber Latin ones, else English: the two
    languages pressroom serves. Arabic itself would be misfiled as Persian."""
    sample = " ".join(text[:2000] for text in texts)
    return "fa" if len(ARABIC_SCRIPT.findall(sample)) > len(LATIN.findall(sample)) else "en"


def _one_line(value: Any) -> str:
    return SPACES.sub(" ", str(value)).strip() if value is not None else ""


def _body(value: Any) -> str:
    text = str(value).replace("\r\n", "\n").replace("\r", "\n") if value is not None else ""
    return "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def _moment(value: Any) -> Any:
    """ISO 8601 as it is; RFC 822 (RSS pubDate) turned into a datetime; the rest is left for
    validation to refuse."""
    if isinstance(value, str) and value and not value[:4].isdigit():
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _source_hash(article: dict[str, Any]) -> bytes:
    return hashlib.blake2b(
        orjson.dumps(article, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).digest()


def to_row(record: RawRecord) -> IngestRow | Rejected:
    if record.fields is None:
        return Rejected(record.line, record.error or "unreadable", record.raw)
    fields: dict[str, Any] = {}
    for key, value in record.fields.items():
        name = ALIASES.get(key.lower(), key.lower())
        if name in FIELDS and name not in fields:
            fields[name] = value
    missing = [name for name in ("url", "title", "published_at") if not fields.get(name)]
    if missing:
        return Rejected(record.line, f"missing {', '.join(missing)}", _excerpt(record.fields))
    fields["title"] = _one_line(fields["title"])
    fields["summary"] = _one_line(fields.get("summary"))
    fields["body"] = _body(fields.get("body"))
    author = _one_line(fields.get("author"))
    fields["author"] = author or None
    fields["published_at"] = _moment(fields["published_at"])
    if not fields.get("language"):
        fields["language"] = guess_language(fields["title"], fields["summary"], fields["body"])
    else:
        fields["language"] = str(fields["language"]).strip().lower().split("-")[0]
    tags = fields.get("tags") or []
    fields["tags"] = [tags] if isinstance(tags, str) else tags
    fields.setdefault("metadata", {})
    try:
        _, article = validated_data(EventType.PUBLISHED, fields)
    except InvalidEventError as exc:
        reason = "; ".join(f"{e['parameter']}: {e['message']}" for e in exc.errors) or str(exc)
        return Rejected(record.line, reason, _excerpt(record.fields))
    return IngestRow(
        line=record.line,
        site=article["site"],
        url=article["url"],
        title=article["title"],
        summary=article["summary"],
        body=article["body"],
        language=article["language"],
        author=article["author"],
        published_at=datetime.fromisoformat(article["published_at"]),
        tags=article["tags"],
        metadata=article["metadata"],
        source_hash=_source_hash(article),
    )


def refused(row: IngestRow, reason: str) -> Rejected:
    """A valid row the database refused to store, as a reject of its input line."""
    fields = {
        "url": row.url,
        "site": row.site,
        "title": row.title,
        "published_at": row.published_at.isoformat(),
        "language": row.language,
        "summary": row.summary[:200],
        "body": row.body[:200],
    }
    return Rejected(row.line, reason, _excerpt(fields), row.position)


def _excerpt(fields: dict[str, Any]) -> str:
    try:
        return orjson.dumps(fields, default=str).decode()[:2000]
    except TypeError:
        return str(fields)[:2000]
