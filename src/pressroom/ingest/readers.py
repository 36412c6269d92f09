"""Reading crawler output: JSONL, CSV and RSS/Atom, plain or gzip, from a file or a stream.

Every reader is a generator of `RawRecord`s, one per input record, with the line it starts on,
so memory stays flat whatever the input size and a reject can name its line. A record that
cannot even be read (not JSON, not UTF-8, not an object) comes out with its error set instead
of its fields: the reader goes on with the next one.
"""

from __future__ import annotations

import csv
import gzip
import io
import xml.sax
import xml.sax.handler
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any, cast
from xml.sax.expatreader import ExpatLocator

import defusedxml
import defusedxml.sax
import orjson

from pressroom.errors import PressroomError

GZIP_MAGIC = b"\x1f\x8b"
# The largest line a JSONL record may have: a 4 MiB body, escaped, plus the other fields.
MAX_LINE_BYTES = 16 * 1024 * 1024
RAW_EXCERPT = 2000  # characters of a rejected record kept in the dead-letter file


class Format(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    FEED = "feed"  # RSS 2.0 or Atom


class UnreadableInputError(PressroomError):
    """The input as a whole cannot be read (no CSV header, malformed XML)."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    line: int  # 1-based line of the input where the record starts
    fields: dict[str, Any] | None
    error: str | None = None
    raw: str = ""  # the record's text when it could not be read, for the dead-letter file


def _buffered(stream: IO[bytes]) -> io.BufferedReader:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(cast(Any, stream))


def open_input(stream: IO[bytes]) -> io.BufferedReader:
    """The stream, decompressed if it is gzip (detected by its magic bytes, not its name);
    buffered, so the format can be sniffed without consuming anything."""
    buffered = _buffered(stream)
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        return _buffered(cast(IO[bytes], gzip.GzipFile(fileobj=buffered)))
    return buffered


def detect_format(stream: io.BufferedReader, name: str | None = None) -> Format:
    """From the name when it says (.jsonl, .ndjson, .csv, .xml, .rss, .atom, with or without
    .gz), otherwise from the first non-blank byte: `{` is JSONL, `<` a feed, anything else CSV."""
    if name:
        lowered = name.lower().removesuffix(".gz")
        for suffixes, kind in (
            ((".jsonl", ".ndjson", ".json"), Format.JSONL),
            ((".csv",), Format.CSV),
            ((".xml", ".rss", ".atom"), Format.FEED),
        ):
            if lowered.endswith(suffixes):
                return kind
    head = stream.peek(4096)[:4096]
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"{":
        return Format.JSONL
    if first == b"<":
        return Format.FEED
    return Format.CSV


def read_records(stream: IO[bytes], kind: Format) -> Iterator[RawRecord]:
    if kind is Format.JSONL:
        return read_jsonl(stream)
    if kind is Format.CSV:
        return read_csv(stream)
    return read_feed(stream)


def read_jsonl(stream: IO[bytes]) -> Iterator[RawRecord]:
    for number, line in enumerate(stream, start=1):
        if (record := jsonl_record(number, line)) is not None:
            yield record


def jsonl_record(number: int, line: bytes) -> RawRecord | None:
    """One JSONL line as a record; None for a blank line."""
    if len(line) > MAX_LINE_BYTES:
        return RawRecord(number, None, f"line longer than {MAX_LINE_BYTES} bytes")
    if not line.strip():
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        text = line.decode("utf-8", "replace")[:RAW_EXCERPT]
        reason = "invalid UTF-8" if "utf-8" in str(exc).lower() else f"invalid JSON: {exc}"
        return RawRecord(number, None, reason, text)
    if not isinstance(value, dict):
        return RawRecord(number, None, "not a JSON object", line.decode()[:RAW_EXCERPT])
    return RawRecord(number, value)


async def read_jsonl_chunks(chunks: AsyncIterator[bytes]) -> AsyncIterator[RawRecord]:
    """JSONL arriving in arbitrary chunks (an HTTP request body), one record per line. A line
    over the size limit is rejected as soon as it is too long, and the rest of it dropped as it
    arrives, so memory stays bounded."""
    pending = b""
    number = 0
    skipping = False  # inside an oversized line, already rejected
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            number += 1
            if skipping:
                skipping = False
                continue
            if (record := jsonl_record(number, line)) is not None:
                yield record
        if len(pending) > MAX_LINE_BYTES or skipping:
            if not skipping:
                yield RawRecord(number + 1, None, f"line longer than {MAX_LINE_BYTES} bytes")
                skipping = True
            pending = b""
    if pending and not skipping and (record := jsonl_record(number + 1, pending)) is not None:
        yield record


def read_csv(stream: IO[bytes]) -> Iterator[RawRecord]:
    # surrogateescape keeps undecodable bytes as lone surrogates, found again per record.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise UnreadableInputError(f"CSV header unreadable: {exc}") from None
    names = [name.strip().lower() for name in header]
    if "url" not in names:
        raise UnreadableInputError(
            f"the CSV header has no url column (found: {', '.join(names)[:300]})"
        )
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(start, None, f"invalid CSV: {exc}")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        raw = ",".join(row)
        if any(_has_surrogates(cell) for cell in row):
            yield RawRecord(
                line, None, "invalid UTF-8", raw.encode("utf-8", "replace").decode()[:RAW_EXCERPT]
            )
            continue
        if len(row) != len(names):
            yield RawRecord(
                line,
                None,
                f"{len(row)} fields where the header has {len(names)}",
                raw[:RAW_EXCERPT],
            )
            continue
        fields: dict[str, Any] = dict(zip(names, row, strict=True))
        # Tags in a CSV cell: separated by | or ;, or a JSON array.
        tags = fields.get("tags", "")
        if tags.startswith("["):
            try:
                fields["tags"] = orjson.loads(tags)
            except orjson.JSONDecodeError:
                yield RawRecord(line, None, "tags: not a JSON array", raw[:RAW_EXCERPT])
                continue
        else:
            fields["tags"] = [
                t for t in (p.strip() for p in tags.replace(";", "|").split("|")) if t
            ]
        if fields.get("metadata", "").strip():
            try:
                fields["metadata"] = orjson.loads(fields["metadata"])
            except orjson.JSONDecodeError:
                yield RawRecord(line, None, "metadata: not JSON", raw[:RAW_EXCERPT])
                continue
        else:
            fields.pop("metadata", None)
        for optional in ("author", "summary", "body", "language", "site"):
            if optional in fields and not str(fields[optional]).strip():
                del fields[optional]
        yield RawRecord(line, fields)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- RSS and Atom ------------------------------------------------------------------------

ITEM_TAGS = {"item", "entry"}
# Element (local name) -> field, for RSS 2.0, Atom, Dublin Core and content:encoded.
TEXT_FIELDS = {
    "title": "title",
    "link": "url",
    "guid": "guid",
    "id": "guid",
    "description": "summary",
    "summary": "summary",
    "encoded": "body",  # content:encoded
    "content": "body",
    "pubdate": "published_at",
    "published": "published_at",
    "updated": "updated",
    "date": "published_at",  # dc:date
    "creator": "author",  # dc:creator
    "name": "author",  # atom author/name
    "category": "tags",
    "language": "language",
}


class _FeedHandler(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[RawRecord] = []
        self.item: dict[str, Any] | None = None
        self.item_line = 0
        self.text: list[str] = []
        self.channel_language: str | None = None
        self.depth_in_author = 0

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator: xml.sax.xmlreader.Locator | None = locator

    def line(self) -> int:
        locator = getattr(self, "locator", None)
        return (locator.getLineNumber() or 1) if locator is not None else 1

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        local = name[1].lower()
        self.text = []
        if local in ITEM_TAGS:
            self.item = {"tags": []}
            self.item_line = self.line()
            return
        if self.item is None:
            return
        if local == "author":
            self.depth_in_author += 1
        values = {key[1]: value for key, value in attrs.items()}
        # Atom: <link rel="alternate" href="..."/>
        if local == "link" and "href" in values and values.get("rel", "alternate") == "alternate":
            self.item["url"] = values["href"]
        if local == "category" and "term" in values:  # Atom: <category term="..."/>
            self.item["tags"].append(values["term"])

    def characters(self, content: str) -> None:
        self.text.append(content)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        local = name[1].lower()
        text = "".join(self.text).strip()
        self.text = []
        if local in ITEM_TAGS and self.item is not None:
            item, self.item = self.item, None
            item.setdefault("url", item.get("guid"))
            item.pop("guid", None)
            item.setdefault("published_at", item.pop("updated", None))
            item.pop("updated", None)
            if self.channel_language and "language" not in item:
                item["language"] = self.channel_language
            self.records.append(
                RawRecord(self.item_line, {k: v for k, v in item.items() if v not in (None, "")})
            )
            return
        if self.item is None:
            if local == "language" and text:
                self.channel_language = text.split("-")[0].lower()
            return
        if local == "author":
            self.depth_in_author -= 1
            return
        field = TEXT_FIELDS.get(local)
        if field is None or not text:
            return
        if field == "tags":
            self.item["tags"].append(text)
        elif field == "author" and local == "name" and not self.depth_in_author:
            return
        elif field == "url" and "url" in self.item:
            return  # the first (alternate) link wins
        else:
            self.item.setdefault(field, text)


def read_feed(stream: IO[bytes]) -> Iterator[RawRecord]:
    """Items of an RSS 2.0 or Atom feed, parsed incrementally with line numbers. defusedxml's
    parser refuses entity declarations and external references, so a hostile feed can neither
    expand entities exponentially nor make us fetch anything."""
    handler = _FeedHandler()
    parser = defusedxml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(handler)
    # parse() would hand the handler a locator; feeding incrementally does not.
    handler.setDocumentLocator(ExpatLocator(parser))
    incremental: Any = parser
    try:
        while chunk := stream.read(64 * 1024):
            incremental.feed(chunk)
            yield from handler.records
            handler.records.clear()
        incremental.close()
    except defusedxml.DefusedXmlException as exc:
        yield from handler.records
        yield RawRecord(handler.line(), None, f"refused XML: {exc}")
        return
    except xml.sax.SAXParseException as exc:
        # XML cannot be resynchronised after an error: the items read so far stand, and the
        # rest of the feed is one reject that says where it broke.
        yield from handler.records
        yield RawRecord(
            exc.getLineNumber() or handler.line(),
            None,
            f"malformed XML ({exc.getMessage()}); the rest of the feed from here is unreadable",
        )
        return
    yield from handler.records
