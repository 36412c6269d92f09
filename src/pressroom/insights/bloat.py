"""How much of a table or a btree index is empty space: an estimate from statistics alone.

Measuring bloat exactly (pgstattuple) reads every page; the doctor only reads the catalogue. The
estimate works out how many pages the relation would need if it were freshly written, and
compares that with the pages it has:

- a row's size comes from `pg_stats` (average width and share of NULLs of every column, as the
  last ANALYZE saw them), padded the way PostgreSQL lays tuples out: a header, a NULL bitmap when
  a row has NULLs, each value aligned to its type's alignment (short varlena values are not
  aligned; after a value of varying width, the padding is averaged), the whole tuple rounded up
  to MAXALIGN, and a 4-byte line pointer on the page;
- a page holds `block_size` minus its header (and, for btree, the 16-byte special space), filled
  to the relation's fillfactor (100 for tables, 90 for btree leaves, 70 for btree inner pages);
- for btree, the inner levels and the metapage are added, and on PostgreSQL 13+ the
  deduplication of equal keys into posting lists is taken into account where the index allows
  it (single-column, non-unique, no INCLUDE, an opclass with "equal image" support); without
  this, a low-cardinality index would look smaller than it "should" be and its bloat be missed.

The page counts come from `pg_class` (relpages, reltuples), which VACUUM and ANALYZE keep; the
estimate is as fresh as those. It is an estimate: it cannot see TOAST (values stored out of
line), nor free space a table keeps on purpose for HOT updates beyond its fillfactor, and it is
only made for relations whose every column has statistics. The approach follows the well-known
estimation queries (pgexperts, ioguix), reworked here: arithmetic in Python, per-column
alignment, btree inner levels and posting lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from pressroom.insights.formatting import ratio_percent
from pressroom.insights.model import Column, Kind

# Sizes of the on-disk structures (src/include/storage/bufpage.h, access/htup_details.h,
# access/itup.h, access/nbtree.h); stable across every supported major version.
PAGE_HEADER = 24  # SizeOfPageHeaderData
LINE_POINTER = 4  # ItemIdData
HEAP_TUPLE_HEADER = 23  # offsetof(HeapTupleHeaderData, t_bits)
INDEX_TUPLE_HEADER = 8  # IndexTupleData
INDEX_NULL_BITMAP = 4  # IndexAttributeBitMapData: one bit per possible key (32 keys)
BTREE_SPECIAL = 16  # BTPageOpaqueData
HEAP_TID = 6  # ItemPointerData, one per heap row in a posting list
HEAP_FILLFACTOR = 100
BTREE_LEAF_FILLFACTOR = 90
BTREE_INNER_FILLFACTOR = 70
# CREATE INDEX limits a posting list tuple to a tenth of a page (nbtsort.c); later
# deduplication allows more, so this errs towards expecting a larger index (less bloat).
POSTING_LIST_PAGE_SHARE = 0.10
# A varlena value shorter than this has a 1-byte header and is stored unaligned.
SHORT_VARLENA_MAX = 127
ALIGNMENT = {"c": 1, "s": 2, "i": 4, "d": 8}

SERVER = """
SELECT current_setting('block_size')::int AS block_size,
       -- Every 64-bit build aligns to 8 bytes; 32-bit builds (rare now) to 4.
       CASE WHEN version() ~ '64-bit|x86_64|aarch64|ppc64|amd64' THEN 8 ELSE 4 END AS maxalign
"""

USER_RELATIONS = """
n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
"""

# One row per table or materialized view with storage, its columns in order. Statistics rows
# with `inherited` are the ones of a whole inheritance tree, not of this relation's own pages.
TABLES = f"""
WITH relations AS (
    SELECT c.oid, n.nspname, c.relname, c.relpages, c.reltuples, c.reloptions
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'm') AND c.relpages > 0 AND {USER_RELATIONS}
),
columns AS (
    SELECT a.attrelid, a.attnum, a.attlen, a.attalign, a.attstorage, a.attisdropped,
           s.avg_width, s.null_frac
      FROM relations r
      JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0
      LEFT JOIN pg_stats s ON s.schemaname = r.nspname AND s.tablename = r.relname
                          AND s.attname = a.attname AND NOT s.inherited
)
SELECT r.oid, format('%I.%I', r.nspname, r.relname) AS relation,
       format('%I.%I', r.nspname, r.relname) AS table_name,
       r.relpages::bigint AS pages, r.reltuples::float8 AS tuples,
       coalesce((SELECT o.option_value::int FROM pg_options_to_table(r.reloptions) o
                  WHERE o.option_name = 'fillfactor'), {HEAP_FILLFACTOR}) AS fillfactor,
       array_agg(c.avg_width::float8 ORDER BY c.attnum) AS widths,
       array_agg(coalesce(c.null_frac, 0)::float8 ORDER BY c.attnum) AS null_fracs,
       array_agg(c.attlen::int ORDER BY c.attnum) AS lengths,
       array_agg(c.attalign::text ORDER BY c.attnum) AS aligns,
       array_agg(c.attstorage::text ORDER BY c.attnum) AS storages,
       array_agg(c.attisdropped ORDER BY c.attnum) AS dropped
  FROM relations r
  JOIN columns c ON c.attrelid = r.oid
 GROUP BY r.oid, r.nspname, r.relname, r.relpages, r.reltuples, r.reloptions
"""  # noqa: S608 - constant fragments; every value is a bound parameter

# One row per valid btree index with storage, its columns (keys, then INCLUDE) in order. A key
# that is an expression has statistics of its own, filed under the index's name.
BTREE_INDEXES = f"""
WITH btree AS (
    SELECT x.indexrelid, x.indrelid, x.indkey, x.indclass, x.indcollation, x.indnkeyatts,
           x.indnatts, x.indisunique, n.nspname, i.relname AS index_rel, t.relname AS table_rel,
           i.relpages, i.reltuples, t.reltuples AS table_tuples, i.reloptions
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_am am ON am.oid = i.relam
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = i.relnamespace
     WHERE am.amname = 'btree' AND i.relkind = 'i' AND i.relpages > 0 AND x.indisvalid
       AND {USER_RELATIONS}
),
columns AS (
    SELECT b.indexrelid, a.attnum, a.attlen, a.attalign, a.attstorage,
           -- ANALYZE measures an expression's values as computed, with a 4-byte varlena
           -- header; stored in the index, a short one has a 1-byte header.
           CASE WHEN b.indkey[a.attnum - 1] = 0 AND a.attlen = -1 AND a.attstorage <> 'p'
                     AND s.avg_width < {SHORT_VARLENA_MAX + 3}
                THEN s.avg_width - 3 ELSE s.avg_width END AS avg_width,
           s.null_frac, s.n_distinct,
           -- Equal keys can share one posting list only if the opclass says equality means
           -- identical bytes (its "equal image" support function).
           a.attnum <= b.indnkeyatts AND EXISTS (
               SELECT FROM pg_opclass oc
                 JOIN pg_amproc p ON p.amprocfamily = oc.opcfamily AND p.amprocnum = 4
                                 AND p.amproclefttype = oc.opcintype
                                 AND p.amprocrighttype = oc.opcintype
                WHERE oc.oid = b.indclass[a.attnum - 1]
                  AND (p.amproc = 'btequalimage'::regproc
                       OR (p.amproc = 'btvarstrequalimage'::regproc
                           AND coalesce((SELECT co.collisdeterministic FROM pg_collation co
                                          WHERE co.oid = b.indcollation[a.attnum - 1]), true)))
           ) AS equal_image
      FROM btree b
      JOIN pg_attribute a ON a.attrelid = b.indexrelid AND a.attnum > 0
      LEFT JOIN pg_attribute ta ON ta.attrelid = b.indrelid AND ta.attnum = b.indkey[a.attnum - 1]
      LEFT JOIN pg_stats s
             ON s.schemaname = b.nspname AND NOT s.inherited
            AND s.tablename = CASE WHEN b.indkey[a.attnum - 1] = 0 THEN b.index_rel
                                   ELSE b.table_rel END
            AND s.attname = CASE WHEN b.indkey[a.attnum - 1] = 0 THEN a.attname
                                 ELSE ta.attname END
)
SELECT b.indexrelid AS oid, format('%I.%I', b.nspname, b.index_rel) AS relation,
       format('%I.%I', b.nspname, b.table_rel) AS table_name,
       b.relpages::bigint AS pages, b.reltuples::float8 AS tuples,
       b.table_tuples::float8 AS table_tuples, b.indisunique AS is_unique,
       b.indnkeyatts AS key_count, b.indnatts AS column_count,
       coalesce((SELECT o.option_value::int FROM pg_options_to_table(b.reloptions) o
                  WHERE o.option_name = 'fillfactor'), {BTREE_LEAF_FILLFACTOR}) AS fillfactor,
       coalesce((SELECT o.option_value::bool FROM pg_options_to_table(b.reloptions) o
                  WHERE o.option_name = 'deduplicate_items'), true) AS deduplicate,
       array_agg(c.avg_width::float8 ORDER BY c.attnum) AS widths,
       array_agg(coalesce(c.null_frac, 0)::float8 ORDER BY c.attnum) AS null_fracs,
       array_agg(c.n_distinct::float8 ORDER BY c.attnum) AS distincts,
       array_agg(c.attlen::int ORDER BY c.attnum) AS lengths,
       array_agg(c.attalign::text ORDER BY c.attnum) AS aligns,
       array_agg(c.attstorage::text ORDER BY c.attnum) AS storages,
       bool_and(c.equal_image OR c.attnum > b.indnkeyatts) AS equal_image
  FROM btree b
  JOIN columns c ON c.indexrelid = b.indexrelid
 GROUP BY b.indexrelid, b.nspname, b.index_rel, b.table_rel, b.relpages, b.reltuples,
          b.table_tuples, b.indisunique, b.indnkeyatts, b.indnatts, b.reloptions
"""  # noqa: S608 - constant fragments; every value is a bound parameter


@dataclass(frozen=True, slots=True)
class Server:
    block_size: int = 8192
    maxalign: int = 8


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """What the estimate needs of one stored column: pg_stats' view of it and its layout."""

    avg_width: float | None  # None: no statistics (never analyzed, or no privilege)
    null_frac: float
    length: int  # attlen: > 0 fixed width, -1 varlena, -2 C string
    align: str  # attalign: c, s, i or d
    storage: str = "x"  # attstorage: p (plain) values never get the short varlena header
    dropped: bool = False


@dataclass(frozen=True, slots=True)
class Bloat:
    """One relation's actual size against the size it would have freshly written."""

    oid: int
    relation: str  # schema-qualified and quoted, ready for SQL
    table: str  # the table (itself, for a table)
    actual_bytes: int
    expected_bytes: int

    @property
    def wasted_bytes(self) -> int:
        return max(0, self.actual_bytes - self.expected_bytes)

    @property
    def ratio(self) -> float:
        """The share of the relation that is empty space, 0..1."""
        return self.wasted_bytes / self.actual_bytes if self.actual_bytes else 0.0

    def is_large(self, min_ratio: float, min_bytes: int) -> bool:
        # Both: a big index at 5% is normal churn, a tiny one at 80% is a few empty pages.
        return self.ratio >= min_ratio and self.wasted_bytes >= min_bytes

    def measures(self) -> tuple[int, int, int, float]:
        """The values under MEASURE_COLUMNS."""
        return (
            self.actual_bytes,
            self.expected_bytes,
            self.wasted_bytes,
            ratio_percent(self.ratio),
        )


# The columns every bloat table ends with, after those naming the relation.
MEASURE_COLUMNS = (
    Column("size", Kind.BYTES),
    Column("expected size", Kind.BYTES),
    Column("bloat", Kind.BYTES),
    Column("bloat %", Kind.PERCENT),
)


@dataclass(frozen=True, slots=True)
class BloatReport:
    estimates: list[Bloat]  # most wasted bytes first
    unestimated: list[str]  # relations without statistics for every column: ANALYZE them


def align_up(size: float, alignment: int) -> float:
    return math.ceil(size / alignment) * alignment if size > 0 else 0.0


def data_width(columns: Sequence[ColumnStats], maxalign: int) -> float:
    """The average bytes of a tuple's values, with the padding alignment adds between them and
    at the end (a tuple is MAXALIGNed).

    A value is there with probability 1 - null_frac (pg_stats' avg_width is over non-NULL
    values), so its width and padding count with that weight. After a value whose width varies
    (variable-length, or sometimes NULL) the offset of the next one varies from row to row: it
    then pays half its alignment on average, where the average offset would say all or nothing
    (a fresh table of (int, bool, text, timestamptz) looked 10% bloated that way)."""
    offset = 0.0
    varying = False
    for column in columns:
        if column.dropped or column.avg_width is None:
            continue
        width = column.avg_width
        packed = column.length == -1 and column.storage != "p" and width < SHORT_VARLENA_MAX
        alignment = 1 if packed else ALIGNMENT.get(column.align, 1)
        padding = (alignment - 1) / 2 if varying else align_up(offset, alignment) - offset
        offset += (1.0 - column.null_frac) * (padding + width)
        varying = varying or column.length < 0 or column.null_frac > 0
    # The end, though, is rounded from the average: values of one width (codes, hashes, most
    # numbers written as text) are common, and for them that is exact.
    return align_up(offset, maxalign)


def chance_of_a_null(columns: Sequence[ColumnStats]) -> float:
    """Probability that a row has at least one NULL (columns taken as independent); a dropped
    column is NULL in every row written since it was dropped."""
    if any(column.dropped for column in columns):
        return 1.0
    none = 1.0
    for column in columns:
        none *= 1.0 - column.null_frac
    return 1.0 - none


def heap_tuple_bytes(columns: Sequence[ColumnStats], server: Server) -> float:
    """Average bytes a row takes on a heap page, line pointer included."""
    bitmap = math.ceil(len(columns) / 8)
    with_nulls = chance_of_a_null(columns)
    header = (1 - with_nulls) * align_up(HEAP_TUPLE_HEADER, server.maxalign) + with_nulls * (
        align_up(HEAP_TUPLE_HEADER + bitmap, server.maxalign)
    )
    return header + data_width(columns, server.maxalign) + LINE_POINTER


def expected_heap_pages(
    columns: Sequence[ColumnStats], tuples: float, fillfactor: int, server: Server
) -> int:
    usable = (server.block_size - PAGE_HEADER) * fillfactor / 100
    # A page also has a hard limit on line pointers (MaxHeapTuplesPerPage).
    max_per_page = (server.block_size - PAGE_HEADER) // (
        align_up(HEAP_TUPLE_HEADER, server.maxalign) + LINE_POINTER
    )
    per_page = max(1, min(int(usable // heap_tuple_bytes(columns, server)), int(max_per_page)))
    return math.ceil(tuples / per_page)


def index_tuple_bytes(columns: Sequence[ColumnStats], server: Server) -> float:
    """Average bytes of a plain (not deduplicated) btree leaf tuple, without its line pointer."""
    with_nulls = chance_of_a_null(columns)
    header = (1 - with_nulls) * INDEX_TUPLE_HEADER + with_nulls * align_up(
        INDEX_TUPLE_HEADER + INDEX_NULL_BITMAP, server.maxalign
    )
    return header + data_width(columns, server.maxalign)


def posting_bytes_per_key(rows_per_key: float, key_tuple: float, server: Server) -> float:
    """Bytes (line pointers included) that `rows_per_key` equal keys take once deduplicated."""
    if rows_per_key < 2:
        return rows_per_key * (key_tuple + LINE_POINTER)
    limit = server.block_size * POSTING_LIST_PAGE_SHARE - LINE_POINTER
    per_list = max(2, int((limit - key_tuple) // HEAP_TID))
    full, rest = divmod(rows_per_key, per_list)
    size = full * (align_up(key_tuple + per_list * HEAP_TID, server.maxalign) + LINE_POINTER)
    if rest >= 2:
        size += align_up(key_tuple + rest * HEAP_TID, server.maxalign) + LINE_POINTER
    elif rest > 0:
        size += rest * (key_tuple + LINE_POINTER)
    return size


def expected_btree_pages(
    columns: Sequence[ColumnStats],
    tuples: float,
    fillfactor: int,
    server: Server,
    distinct_keys: float | None = None,
) -> int:
    """Pages of a freshly built btree over `tuples` entries: metapage, leaves, inner levels.

    `distinct_keys` is given when the index deduplicates; equal keys then share posting lists."""
    usable = server.block_size - PAGE_HEADER - BTREE_SPECIAL
    tuple_bytes = index_tuple_bytes(columns, server)
    leaf_bytes = tuples * (tuple_bytes + LINE_POINTER)
    if distinct_keys is not None and distinct_keys > 0:
        per_key = posting_bytes_per_key(tuples / distinct_keys, tuple_bytes, server)
        leaf_bytes = min(leaf_bytes, distinct_keys * per_key)
    leaves = max(1, math.ceil(leaf_bytes / (usable * fillfactor / 100)))
    # Each inner page holds one downlink per child; a downlink is about a key's size.
    fanout = max(2, int(usable * BTREE_INNER_FILLFACTOR / 100 // (tuple_bytes + LINE_POINTER)))
    pages, level = 1 + leaves, leaves
    while level > 1:
        level = math.ceil(level / fanout)
        pages += level
    return pages


def _columns(row: asyncpg.Record) -> list[ColumnStats]:
    dropped = row.get("dropped") or [False] * len(row["widths"])
    return [
        ColumnStats(width, null_frac, length, align, storage, gone)
        for width, null_frac, length, align, storage, gone in zip(
            row["widths"],
            row["null_fracs"],
            row["lengths"],
            row["aligns"],
            row["storages"],
            dropped,
            strict=True,
        )
    ]


def _has_statistics(columns: Sequence[ColumnStats], tuples: float) -> bool:
    # reltuples is -1 (PostgreSQL 14+) until the first VACUUM or ANALYZE.
    return tuples >= 0 and all(c.avg_width is not None for c in columns if not c.dropped)


def _distinct_keys(row: asyncpg.Record, columns: Sequence[ColumnStats]) -> float | None:
    """Distinct keys of a deduplicating index, or None when it does not deduplicate (or the
    number is unknown: then the plain estimate, which expects a larger index, is used)."""
    if (
        row["is_unique"]
        or not row["deduplicate"]
        or not row["equal_image"]
        or row["key_count"] != 1
        or row["column_count"] != 1
    ):
        return None
    n_distinct: float | None = row["distincts"][0]
    if n_distinct is None or n_distinct == 0:
        return None
    # Negative: a fraction of the table's rows (pg_stats), which scales with the table.
    table_tuples: float = max(row["table_tuples"], 0.0)
    tuples: float = max(row["tuples"], 1.0)
    distinct = n_distinct if n_distinct > 0 else -n_distinct * table_tuples
    if columns[0].null_frac > 0:
        distinct += 1  # NULLs are deduplicated together too
    return min(max(distinct, 1.0), tuples)


async def server_facts(conn: asyncpg.Connection) -> Server:
    row = await conn.fetchrow(SERVER)
    assert row is not None
    return Server(block_size=row["block_size"], maxalign=row["maxalign"])


# The pages a relation listed by TABLES or BTREE_INDEXES would need freshly written.
ExpectedPages = Callable[[asyncpg.Record, list[ColumnStats], Server], int]


async def _estimate(
    conn: asyncpg.Connection, query: str, expected_pages: ExpectedPages
) -> BloatReport:
    """Every relation `query` lists, its pages against `expected_pages`: most wasted first, and
    those without statistics for every column named apart."""
    server = await server_facts(conn)
    estimates: list[Bloat] = []
    unestimated: list[str] = []
    for row in await conn.fetch(query):
        columns = _columns(row)
        if not _has_statistics(columns, row["tuples"]):
            unestimated.append(row["relation"])
            continue
        pages = expected_pages(row, columns, server)
        estimates.append(
            Bloat(
                oid=row["oid"],
                relation=row["relation"],
                table=row["table_name"],
                actual_bytes=row["pages"] * server.block_size,
                expected_bytes=pages * server.block_size,
            )
        )
    estimates.sort(key=lambda b: (-b.wasted_bytes, b.relation))
    return BloatReport(estimates, sorted(unestimated))


def _heap_pages(row: asyncpg.Record, columns: list[ColumnStats], server: Server) -> int:
    return expected_heap_pages(columns, row["tuples"], row["fillfactor"], server)


def _btree_pages(row: asyncpg.Record, columns: list[ColumnStats], server: Server) -> int:
    return expected_btree_pages(
        columns,
        row["tuples"],
        row["fillfactor"],
        server,
        distinct_keys=_distinct_keys(row, columns),
    )


async def table_bloat(conn: asyncpg.Connection) -> BloatReport:
    """Estimated bloat of every user table and materialized view (their main fork)."""
    return await _estimate(conn, TABLES, _heap_pages)


async def index_bloat(conn: asyncpg.Connection) -> BloatReport:
    """Estimated bloat of every valid btree index of user tables (other access methods are
    laid out too differently for a statistics-only estimate)."""
    return await _estimate(conn, BTREE_INDEXES, _btree_pages)
