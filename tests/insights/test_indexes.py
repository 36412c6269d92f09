"""The indexes section against real indexes: unused and used ones, duplicates and look-alikes
that are not, an invalid index left by a failed CREATE INDEX CONCURRENTLY and a leftover of a
failed REINDEX CONCURRENTLY, a bloated btree, tables read whole, and partitioned indexes.

Each test builds its own schema and drops it afterwards. The module's database starts as a clone
of pressroom's migrated database; after the first test inspects that as it is, pressroom's
schema is dropped so that what is left is only what the tests build (its never-used indexes
would otherwise make every "unused" check warn)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from pressroom.insights import indexes
from pressroom.insights.bloat import index_bloat
from pressroom.insights.indexes import Thresholds
from pressroom.insights.model import Options, Section, Status
from pressroom.insights.target import Target
from tests.insights.helpers import connected, finding, own_schema, rows

CHECKS = (
    "indexes.unused",
    "indexes.duplicate",
    "indexes.invalid",
    "indexes.bloat",
    "indexes.seq_scans",
)
# Thresholds a test-sized index crosses: a few hundred kB of bloat instead of 10 MB.
SMALL_BLOAT = Thresholds(bloat_bytes=256 * 1024)

Run = Callable[..., Awaitable[None]]


async def inspect(target: Target, thresholds: Thresholds | None = None) -> Section:
    # The test cluster's statistics are minutes old: judge unused indexes at once.
    return await indexes.inspect(target, Options(limit=100, unused_after_s=0), thresholds)


@pytest.fixture
async def run(admin_dsn: str) -> AsyncIterator[Run]:
    """Runs statements in a session of their own and makes it publish its statistics at once
    (PostgreSQL 15 otherwise batches them for up to a second), so usage counters are exact."""
    async with connected(admin_dsn) as conn:

        async def execute(*statements: str) -> None:
            async with conn.transaction():
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute("SELECT pg_stat_force_next_flush()")

        yield execute


@pytest.fixture
async def schema(target: Target, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A schema of the test's own, on a database with nothing else of interest in it."""
    await target.conn.execute("DROP SCHEMA IF EXISTS pressroom CASCADE")
    async with own_schema(target.conn, request, "t_") as name:
        yield name


async def test_inspects_pressrooms_own_schema(target: Target) -> None:
    """The migrated schema as it is (partitioned tables, default partitions, constraints):
    every check answers, and pressroom itself has no duplicate or invalid index."""
    section = await inspect(target)
    assert section.name == "indexes"
    assert [f.check for f in section.findings] == list(CHECKS)
    assert finding(section, "indexes.duplicate").status is Status.PASS
    assert finding(section, "indexes.invalid").status is Status.PASS
    usage = rows(section, "Index usage")
    assert any(row["table"] == "pressroom.articles" for row in usage)
    # Partition indexes are listed under their parent, never proposed for dropping alone.
    unused = finding(section, "indexes.unused")
    children = {row["index"] for row in usage if row["partition of"] is not None}
    assert children
    assert not any(child in sql for child in children for sql in unused.fix_sql)


async def test_unused_index_warns_used_index_passes(target: Target, schema: str, run: Run) -> None:
    await run(
        f"CREATE TABLE {schema}.owner (id int PRIMARY KEY)",
        f"INSERT INTO {schema}.owner SELECT generate_series(1, 100)",
        f"CREATE TABLE {schema}.t (id int PRIMARY KEY, a int, b int, c int, "
        f"owner_id int REFERENCES {schema}.owner)",
        f"INSERT INTO {schema}.t SELECT i, i, i % 50, i % 7, i % 100 + 1 "
        "FROM generate_series(1, 5000) i",
        f"CREATE INDEX t_a ON {schema}.t (a)",
        f"CREATE INDEX t_b ON {schema}.t (b)",
        f'CREATE INDEX "Weird Index" ON {schema}.t (c, b)',
        f"CREATE INDEX t_owner ON {schema}.t (owner_id)",
        f"ANALYZE {schema}.t",
    )
    await run("SET LOCAL enable_seqscan = off", f"SELECT * FROM {schema}.t WHERE a = 42")

    section = await inspect(target, Thresholds(enforcing_mention_bytes=0))
    unused = finding(section, "indexes.unused")
    assert unused.status is Status.WARN
    assert f"DROP INDEX CONCURRENTLY {schema}.t_b;" in unused.fix_sql
    assert f'DROP INDEX CONCURRENTLY {schema}."Weird Index";' in unused.fix_sql
    assert not any("t_a" in sql or "t_pkey" in sql for sql in unused.fix_sql)
    # Unused, but what deleting an owner would look its rows up with: listed, not dropped.
    listed = {row["index"]: row for row in rows(section, "Unused indexes")}
    assert listed[f"{schema}.t_owner"]["foreign key"] == "yes"
    assert listed[f"{schema}.t_b"]["foreign key"] is None
    assert not any("t_owner" in sql for sql in unused.fix_sql)
    assert "foreign key" in (unused.advice or "")
    assert "since the statistics" in unused.detail
    # The primary key is never scanned either, but it enforces a rule: mentioned, kept.
    enforcing = rows(
        section, "Unused indexes that enforce a constraint (keep unless the rule can go)"
    )
    assert [(r["index"], r["enforces"]) for r in enforcing] == [(f"{schema}.t_pkey", "primary key")]
    usage = {row["index"]: row for row in rows(section, "Index usage")}
    assert usage[f"{schema}.t_a"]["scans"] >= 1
    assert usage[f"{schema}.t_b"]["scans"] == 0
    (window,) = rows(section, "Statistics window")
    assert window["server started"] is not None
    assert window["standby"] == "no"

    # With the default wait for a day of statistics, minutes-old counters judge nothing: the
    # same indexes are listed, without a warning or a DROP to run.
    young = await indexes.inspect(target, Options(limit=100), Thresholds(enforcing_mention_bytes=0))
    early = finding(young, "indexes.unused")
    assert early.status is Status.PASS
    assert early.title == "Too early to call an index unused"
    assert early.fix_sql == ()
    assert f"{schema}.t_b" in {row["index"] for row in rows(young, "Unused indexes")}

    # Used through a selective query, the last unused ones pass.
    await run(
        "SET LOCAL enable_seqscan = off",
        f"SELECT * FROM {schema}.t WHERE b = 7",
        f"SELECT * FROM {schema}.t WHERE c = 3 AND b = 10",
        f"DELETE FROM {schema}.t WHERE owner_id = 5",
    )
    assert finding(await inspect(target), "indexes.unused").status is Status.PASS


async def test_partitioned_index_usage_is_summed_and_dropped_whole(
    target: Target, schema: str, run: Run
) -> None:
    await run(
        f"CREATE TABLE {schema}.events (id int, at date, kind int) PARTITION BY RANGE (at)",
        f"CREATE TABLE {schema}.events_2024 PARTITION OF {schema}.events "
        "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        f"CREATE TABLE {schema}.events_2025 PARTITION OF {schema}.events "
        "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        f"CREATE INDEX events_at ON {schema}.events (at)",
        f"CREATE INDEX events_kind ON {schema}.events (kind)",
        f"INSERT INTO {schema}.events SELECT i, date '2024-01-01' + i % 700, i % 9 "
        "FROM generate_series(1, 2000) i",
    )
    await run(
        "SET LOCAL enable_seqscan = off",
        f"SELECT * FROM {schema}.events WHERE at = date '2024-03-01'",
    )
    section = await inspect(target)
    usage = {row["index"]: row for row in rows(section, "Index usage")}
    parent = usage[f"{schema}.events_at"]
    assert parent["method"] == "btree (partitioned)"
    assert parent["scans"] >= 1
    assert parent["size"] > 0
    children = [row for row in usage.values() if row["partition of"] == f"{schema}.events_kind"]
    assert len(children) == 2
    assert all(row["scans"] == 0 for row in children)

    unused = finding(section, "indexes.unused")
    assert unused.status is Status.WARN
    # No CONCURRENTLY for a partitioned index, a lock timeout instead; no partition's own index.
    assert unused.fix_sql == ("SET lock_timeout = '5s';", f"DROP INDEX {schema}.events_kind;")
    (listed,) = rows(section, "Unused indexes")
    assert listed["index"] == f"{schema}.events_kind"
    assert listed["partitions"] == 2


async def test_duplicates_are_found_and_the_covering_index_kept(
    target: Target, schema: str, run: Run
) -> None:
    s = schema
    await run(
        f"CREATE TABLE {s}.d (id int PRIMARY KEY, a int, b int, c int, body text, doc tsvector)",
        f"INSERT INTO {s}.d SELECT i, i % 10, i % 20, i % 30, 'w' || i, "
        "to_tsvector('simple', 'w' || (i % 40)) FROM generate_series(1, 500) i",
        f"CREATE INDEX d_a ON {s}.d (a)",  # a leading column of d_ab
        f"CREATE INDEX d_ab ON {s}.d (a, b)",
        f'CREATE INDEX "Weird Index" ON {s}.d (c)',  # same keys as d_c_inc, which has more
        f"CREATE INDEX d_c_inc ON {s}.d (c) INCLUDE (b)",
        f"CREATE INDEX d_doc ON {s}.d USING gin (doc)",
        f"CREATE INDEX d_doc_again ON {s}.d USING gin (doc)",  # exact duplicate, not btree
        f"CREATE INDEX d_id ON {s}.d (id)",  # exact duplicate of the primary key
        f"CREATE INDEX d_lower ON {s}.d (lower(body))",  # expression prefix
        f"CREATE INDEX d_lower_a ON {s}.d (lower(body), a)",
        f"CREATE TABLE {s}.p (k int, v int) PARTITION BY RANGE (k)",
        f"CREATE TABLE {s}.p1 PARTITION OF {s}.p FOR VALUES FROM (0) TO (1000)",
        f"CREATE INDEX p_k ON {s}.p (k)",
        f"CREATE INDEX p_k_v ON {s}.p (k, v)",
    )
    section = await inspect(target)
    duplicate = finding(section, "indexes.duplicate")
    assert duplicate.status is Status.WARN
    found = {
        row["index"]: (row["why"], row["covered by"]) for row in rows(section, "Duplicate indexes")
    }
    assert found == {
        f"{s}.d_a": ("leading columns of", f"{s}.d_ab"),
        f'{s}."Weird Index"': ("same keys as", f"{s}.d_c_inc"),
        f"{s}.d_doc_again": ("exact duplicate", f"{s}.d_doc"),
        f"{s}.d_id": ("exact duplicate", f"{s}.d_pkey"),
        f"{s}.d_lower": ("leading columns of", f"{s}.d_lower_a"),
        f"{s}.p_k": ("leading columns of", f"{s}.p_k_v"),
    }
    assert set(duplicate.fix_sql) == {
        f"DROP INDEX CONCURRENTLY {s}.d_a;",
        f'DROP INDEX CONCURRENTLY {s}."Weird Index";',
        f"DROP INDEX CONCURRENTLY {s}.d_doc_again;",
        f"DROP INDEX CONCURRENTLY {s}.d_id;",
        f"DROP INDEX CONCURRENTLY {s}.d_lower;",
        "SET lock_timeout = '5s';",
        f"DROP INDEX {s}.p_k;",
    }


async def test_look_alikes_are_not_duplicates(target: Target, schema: str, run: Run) -> None:
    s = schema
    await run(
        f"CREATE TABLE {s}.n (id int, a int, b int, c int, body text, doc tsvector)",
        f"INSERT INTO {s}.n SELECT i, i % 10, i % 20, i % 30, 'w' || i, "
        "to_tsvector('simple', 'w' || (i % 40)) FROM generate_series(1, 500) i",
        f"CREATE INDEX n_a_inc ON {s}.n (a) INCLUDE (body)",  # body is in no other index
        f"CREATE INDEX n_a_c ON {s}.n (a, c)",
        f"CREATE INDEX n_b_a ON {s}.n (b, a)",  # a is not its leading column
        f"CREATE INDEX n_a_hash ON {s}.n USING hash (a)",  # another access method
        f"CREATE INDEX n_a_brin ON {s}.n USING brin (a)",
        f"CREATE INDEX n_c_small ON {s}.n (c) WHERE a > 5",  # different predicates
        f"CREATE INDEX n_c_large ON {s}.n (c, b) WHERE a < 5",
        f"CREATE INDEX n_doc ON {s}.n USING gin (doc)",
        f"CREATE INDEX n_doc_tsv ON {s}.n USING gist (doc)",
        f"CREATE INDEX n_body ON {s}.n (body)",
        f"CREATE INDEX n_body_pattern ON {s}.n (body text_pattern_ops, c)",  # another opclass
        f'CREATE INDEX n_body_c ON {s}.n (body COLLATE "C", a)',  # another collation
        f"CREATE INDEX n_b_desc ON {s}.n (b DESC, c)",
        f"CREATE INDEX n_b ON {s}.n (b)",  # not a prefix of (b DESC, c); of (b, a) it is
        f"CREATE UNIQUE INDEX n_id ON {s}.n (id)",  # unique: never dropped for a wider one
        f"CREATE INDEX n_id_a ON {s}.n (id, a)",
    )
    section = await inspect(target)
    found = {row["index"]: row["covered by"] for row in rows(section, "Duplicate indexes")}
    assert found == {f"{s}.n_b": f"{s}.n_b_a"}

    await run(f"DROP INDEX {s}.n_b")
    duplicate = finding(await inspect(target), "indexes.duplicate")
    assert duplicate.status is Status.PASS
    assert duplicate.fix_sql == ()


async def test_failed_concurrent_builds_leave_invalid_indexes(
    target: Target, schema: str, admin_dsn: str
) -> None:
    s = schema
    async with connected(admin_dsn) as conn:
        await conn.execute(
            f"""
            CREATE TABLE {s}.inv (x int);
            INSERT INTO {s}.inv VALUES (1), (1), (2);
            CREATE FUNCTION {s}.twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2';
            CREATE INDEX inv_twice ON {s}.inv ({s}.twice(x));
            """
        )
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(f"CREATE UNIQUE INDEX CONCURRENTLY inv_x ON {s}.inv (x)")
        # A REINDEX CONCURRENTLY that fails leaves its new copy behind as <name>_ccnew.
        await conn.execute(
            f"CREATE OR REPLACE FUNCTION {s}.twice(int) RETURNS int IMMUTABLE LANGUAGE sql "
            "AS 'SELECT 1 / ($1 - 1)'"
        )
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute(f"REINDEX INDEX CONCURRENTLY {s}.inv_twice")

    section = await inspect(target)
    invalid = finding(section, "indexes.invalid")
    assert invalid.status is Status.FAIL
    assert {row["index"] for row in rows(section, "Invalid indexes")} == {
        f"{s}.inv_x",
        f"{s}.inv_twice_ccnew",
    }
    assert set(invalid.fix_sql) == {
        f"REINDEX INDEX CONCURRENTLY {s}.inv_x;",
        f"DROP INDEX CONCURRENTLY {s}.inv_twice_ccnew;",
    }
    assert "_ccnew" in (invalid.advice or "")
    # Invalid indexes are neither duplicates nor bloat candidates.
    assert finding(section, "indexes.duplicate").status is Status.PASS

    await target.conn.execute(f"DROP INDEX {s}.inv_x; DROP INDEX {s}.inv_twice_ccnew")
    assert finding(await inspect(target), "indexes.invalid").status is Status.PASS


async def test_bloated_btree_gets_a_reindex(target: Target, schema: str, run: Run) -> None:
    s = schema
    await run(
        f"CREATE TABLE {s}.b (id int, label text)",
        f"INSERT INTO {s}.b SELECT i, 'label ' || i FROM generate_series(1, 60000) i",
        f"CREATE INDEX b_id ON {s}.b (id)",
        f'CREATE INDEX "Bloat Label" ON {s}.b (label)',
    )
    await target.conn.execute(f"VACUUM ANALYZE {s}.b")
    # Freshly built, the estimate matches the index within a few percent.
    fresh = {b.relation: b for b in (await index_bloat(target.conn)).estimates}
    assert fresh[f"{s}.b_id"].ratio < 0.05
    assert fresh[f'{s}."Bloat Label"'].ratio < 0.05
    assert finding(await inspect(target, SMALL_BLOAT), "indexes.bloat").status is Status.PASS

    # Nine rows in ten deleted: the leaf pages stay, a tenth full.
    await target.conn.execute(f"DELETE FROM {s}.b WHERE id % 10 <> 0")
    await target.conn.execute(f"VACUUM ANALYZE {s}.b")
    section = await inspect(target, SMALL_BLOAT)
    bloat = finding(section, "indexes.bloat")
    assert bloat.status is Status.WARN
    assert set(bloat.fix_sql) == {
        f"REINDEX INDEX CONCURRENTLY {s}.b_id;",
        f'REINDEX INDEX CONCURRENTLY {s}."Bloat Label";',
    }
    estimated = {row["index"]: row for row in rows(section, "Estimated btree bloat")}
    assert estimated[f"{s}.b_id"]["bloat %"] > 80
    # At the default thresholds (10 MB of waste) an index this small never warns.
    assert finding(await inspect(target), "indexes.bloat").status is Status.PASS

    await target.conn.execute(f"REINDEX TABLE {s}.b")
    await target.conn.execute(f"ANALYZE {s}.b")
    assert finding(await inspect(target, SMALL_BLOAT), "indexes.bloat").status is Status.PASS


async def test_bloat_of_a_deduplicated_btree_is_seen(target: Target, schema: str) -> None:
    """Five distinct keys over 60,000 rows: btree stores each key once per posting list, so the
    index is a third of the size one entry per row would take. Half the rows deleted leaves it
    half empty; an estimate blind to posting lists would still think it too small."""
    s = schema
    await target.conn.execute(
        f"""
        CREATE TABLE {s}.kinds (id int, kind int);
        INSERT INTO {s}.kinds SELECT i, i % 5 FROM generate_series(1, 60000) i;
        CREATE INDEX kinds_kind ON {s}.kinds (kind);
        """
    )
    await target.conn.execute(f"VACUUM ANALYZE {s}.kinds")
    fresh = {b.relation: b for b in (await index_bloat(target.conn)).estimates}
    assert fresh[f"{s}.kinds_kind"].ratio < 0.05

    await target.conn.execute(f"DELETE FROM {s}.kinds WHERE id % 2 = 0")
    await target.conn.execute(f"VACUUM ANALYZE {s}.kinds")
    halved = {b.relation: b for b in (await index_bloat(target.conn)).estimates}
    assert 0.4 < halved[f"{s}.kinds_kind"].ratio < 0.6


async def test_tables_read_whole_point_to_the_advisor(
    target: Target, schema: str, run: Run
) -> None:
    await run(
        f"CREATE TABLE {schema}.scanned (id int, flag int)",
        f"INSERT INTO {schema}.scanned SELECT i, i % 100 FROM generate_series(1, 12000) i",
    )
    await run(*[f"SELECT count(*) FROM {schema}.scanned WHERE flag = {n}" for n in range(5)])
    few_scans = Thresholds(seq_scans=5, seq_rows_per_scan=10_000)
    section = await inspect(target, few_scans)
    scans = finding(section, "indexes.seq_scans")
    assert scans.status is Status.WARN
    assert "pressroom doctor advisor" in (scans.advice or "")
    (row,) = rows(section, "Tables read mostly by sequential scans")
    assert row["table"] == f"{schema}.scanned"
    assert row["sequential scans"] == 5
    assert row["rows per scan"] == 12000

    # At the default thresholds (100 scans) five are nothing to report.
    assert finding(await inspect(target), "indexes.seq_scans").status is Status.PASS
