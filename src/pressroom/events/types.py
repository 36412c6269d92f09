"""The article event types and their schemas.

An event's data is validated and normalised here before it is stored, so the log holds only
events the projection (pressroom.article_states in migration 0005) understands; anything else
is refused with the reason. Limits mirror the articles table's constraints, so a valid event
never fails to project.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from pressroom.content.ids import EARLIEST, LATEST
from pressroom.content.urls import canonical_url, site_domain
from pressroom.errors import PressroomError

MAX_TAGS = 50
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_URL_BYTES = 2048
# The sites_domain_is_hostname constraint, checked here so a bad site is the client's error.
HOSTNAME = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)


class EventType(StrEnum):
    PUBLISHED = "article.published"
    REVISED = "article.revised"
    TAGGED = "article.tagged"
    UNTAGGED = "article.untagged"
    RETRACTED = "article.retracted"
    RESTORED = "article.restored"


class InvalidEventError(PressroomError):
    """An event of an unknown type, or whose data does not fit its type's schema."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _json_text(value: dict[str, Any]) -> dict[str, Any]:
    # PostgreSQL's jsonb cannot hold \u0000; refused here, it is the record's fault alone.
    if b"\\u0000" in orjson.dumps(value):
        raise ValueError("must not contain NUL characters")
    return value


def _canonical(value: str) -> str:
    url = canonical_url(value)
    if len(url.encode()) > MAX_URL_BYTES:
        raise ValueError(f"must be at most {MAX_URL_BYTES} bytes")
    return url


def _body_size(value: str) -> str:
    if len(value.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"must be at most {MAX_BODY_BYTES} bytes of UTF-8")
    return value


def _iso_8601(value: object) -> object:
    # Pydantic would read "2026" as seconds since 1970; a publication time must say what it is.
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "must be an ISO 8601 date and time, e.g. 2024-01-15T08:30:00Z"
            ) from None
    if not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2024-01-15T08:30:00Z")
    return value


def _publication_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 1900-01-01 and 2099-12-31")
    # Milliseconds: the precision an article id keeps.
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)


def _tags(values: list[str]) -> list[str]:
    cleaned = [" ".join(tag.split()) for tag in values]
    if any(not tag or len(tag) > 200 for tag in cleaned):
        raise ValueError("each tag must have 1 to 200 characters")
    # One entry per tag, first spelling wins; the slug is what the database keys tags by.
    seen: dict[str, str] = {}
    for tag in cleaned:
        seen.setdefault(tag_slug(tag), tag)
    return list(seen.values())


def tag_slug(name: str) -> str:
    """The Python twin of pressroom.tag_slug()."""
    return re.sub(r"[\s/?#]+", "-", name.strip()).lower()[:100]


Text = Annotated[str, AfterValidator(_no_nul)]
Url = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_canonical)]
Title = Annotated[Text, Field(min_length=1, max_length=1000)]
Summary = Annotated[Text, Field(max_length=10_000)]
Body = Annotated[Text, AfterValidator(_body_size)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
Author = Annotated[Text, Field(min_length=1, max_length=300)]
Tags = Annotated[list[Text], Field(max_length=MAX_TAGS), AfterValidator(_tags)]


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Published(EventData):
    """A new article. Its id is derived from `published_at` and the URL."""

    site: Annotated[str | None, Field(max_length=253)] = None
    url: Url
    title: Title
    summary: Summary = ""
    body: Body = ""
    language: Language
    author: Author | None = None
    published_at: Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_publication_time)]
    tags: Tags = []
    metadata: Annotated[dict[str, Any], AfterValidator(_json_text)] = {}

    @model_validator(mode="after")
    def _site_from_url(self) -> Published:
        # The site defaults to the URL's host; given, it is stored in the same lower-case
        # ASCII form sites are keyed by.
        domain = (self.site or site_domain(self.url)).strip().lower()
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            domain = ""
        if not HOSTNAME.match(domain) or len(domain) > 253:
            raise ValueError(f"site must be a host name such as example.com, not {domain[:100]!r}")
        object.__setattr__(self, "site", domain)
        return self


class Revised(EventData):
    """Changed fields only; at least one."""

    url: Url | None = None
    title: Title | None = None
    summary: Summary | None = None
    body: Body | None = None
    language: Language | None = None
    author: Author | None = None
    metadata: Annotated[dict[str, Any], AfterValidator(_json_text)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Revised:
        if not self.model_fields_set:
            raise ValueError("a revision must change at least one field")
        for name in self.model_fields_set - {"author"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TagsChanged(EventData):
    tags: Annotated[Tags, Field(min_length=1)]


class Retracted(EventData):
    reason: Annotated[Text | None, Field(max_length=1000)] = None


class Restored(EventData):
    reason: Annotated[Text | None, Field(max_length=1000)] = None


SCHEMAS: dict[EventType, type[EventData]] = {
    EventType.PUBLISHED: Published,
    EventType.REVISED: Revised,
    EventType.TAGGED: TagsChanged,
    EventType.UNTAGGED: TagsChanged,
    EventType.RETRACTED: Retracted,
    EventType.RESTORED: Restored,
}


def validated_data(event_type: str, data: object) -> tuple[EventType, dict[str, Any]]:
    """The event's type and data as they will be stored (normalised, JSON-ready), or
    InvalidEventError saying what is wrong."""
    try:
        kind = EventType(event_type)
    except ValueError:
        known = ", ".join(t.value for t in EventType)
        raise InvalidEventError(
            f"unknown event type {event_type[:100]!r}; known: {known}"
        ) from None
    try:
        model = SCHEMAS[kind].model_validate(data)
    except ValidationError as exc:
        errors = [
            {
                "parameter": ".".join(str(p) for p in error["loc"]) or "data",
                "in": "body",
                "message": error["msg"].removeprefix("Value error, "),
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
        raise InvalidEventError(f"invalid {kind.value} event: {summary}", errors) from None
    fields = model.model_fields_set if kind is EventType.REVISED else None
    return kind, model.model_dump(mode="json", include=fields)
