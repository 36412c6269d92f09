"""EXPLAIN as a tree against a real cluster: nothing a statement does persists, writes are refused
under ANALYZE, errors never quote table data, and the tree's times and estimates add up."""

from __future__ import annotations

import orjson
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.insights.explain import ExplainResult, explain, explain_section
from pressroom.insights.model import Status
from pressroom.insights.plans import PlanError
from pressroom.insights.target import Target
from tests.insights.helpers import run_sql

SETUP = """
CREATE TABLE items (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, body text NOT NULL);
-- a and b are always equal: the planner, assuming them independent, multiplies selectivities.
INSERT INTO items SELECT g, g % 100, g % 100, md5(g::text) FROM generate_series(1, 50000) g;
CREATE TABLE tags (item_id bigint NOT NULL, tag text NOT NULL);
INSERT INTO tags SELECT g, 't' || (g % 10) FROM generate_series(1, 50000, 3) g;
CREATE TABLE secrets (secret text NOT NULL);
INSERT INTO secrets VALUES ('hunter2-secret');
CREATE TABLE audit (note text NOT NULL);
CREATE SEQUENCE tickets;
CREATE FUNCTION note_and_return() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO audit VALUES ('explained');
    RETURN 1;
END $$;
ANALYZE items, tags, secrets;
"""

STATE = """
SELECT (SELECT count(*) FROM audit) AS audit,
       (SELECT body FROM items WHERE id = 1) AS body,
       (SELECT count(*) FROM tags WHERE item_id IN (1, 4)) AS tags,
       (SELECT last_value FROM tickets) AS ticket,
       (SELECT is_called FROM tickets) AS ticket_called
"""


@pytest.fixture(scope="module", autouse=True)
async def tables(database: DatabaseTargets) -> None:
    assert database.admin is not None
    await run_sql(database.admin, SETUP)


async def _state(target: Target) -> dict[str, object]:
    row = await target.conn.fetchrow(STATE)
    assert row is not None
    return dict(row)


WRITES = [
    "INSERT INTO audit VALUES ('inserted')",
    "UPDATE items SET body = 'changed' WHERE id = 1",
    "DELETE FROM tags WHERE item_id = 1",
    "WITH gone AS (DELETE FROM tags WHERE item_id = 4 RETURNING *) SELECT count(*) FROM gone",
    "SELECT nextval('tickets')",
    # A SELECT whose function writes: only the read-only transaction can tell.
    "SELECT note_and_return()",
]


@pytest.mark.parametrize("statement", WRITES)
async def test_writes_fail_under_analyze_and_change_nothing(target: Target, statement: str) -> None:
    before = await _state(target)
    with pytest.raises(PlanError) as raised:
        await explain(target, statement, analyze=True)
    if "note_and_return" in statement:
        # A volatile function is refused before anything runs.
        assert "would run note_and_return()" in str(raised.value)
    else:
        assert raised.value.sqlstate == "25006"
        assert "only read-only statements" in str(raised.value)
    assert await _state(target) == before
    assert await target.conn.fetchval("SELECT 1") == 1  # the connection is usable again


@pytest.mark.parametrize("statement", WRITES)
async def test_writes_are_planned_without_running(target: Target, statement: str) -> None:
    before = await _state(target)
    result = await explain(target, statement)
    assert not result.analyzed
    assert result.root.inclusive_ms is None
    assert result.total_cost > 0
    assert await _state(target) == before


async def test_a_statement_over_the_timeout_is_cancelled(target: Target) -> None:
    with pytest.raises(PlanError, match="ran longer than the 100 ms statement timeout") as raised:
        await explain(target, "SELECT pg_sleep(5)", analyze=True, timeout_ms=100)
    assert raised.value.sqlstate == "57014"
    # The timeout was the transaction's own; the session keeps the doctor's.
    assert await target.conn.fetchval("SHOW statement_timeout") == "15s"


async def test_errors_never_quote_table_data(target: Target) -> None:
    with pytest.raises(PlanError) as raised:
        await explain(target, "SELECT secret::int FROM secrets", analyze=True)
    assert raised.value.sqlstate == "22P02"
    assert "hunter2" not in str(raised.value)
    assert all("hunter2" not in str(arg) for arg in raised.value.args)


async def test_errors_while_running_never_quote_rows_even_of_class_42(target: Target) -> None:
    # Casting a value read from a table to regclass fails with "relation <value> does not
    # exist": a message of class 42, safe only when it comes from parsing or planning.
    with pytest.raises(PlanError) as raised:
        await explain(target, "SELECT secret::regclass FROM secrets", analyze=True)
    assert raised.value.sqlstate == "42P01"
    assert "hunter2" not in str(raised.value)
    # The same class from planning names the statement's own text, and is shown.
    with pytest.raises(PlanError, match='relation "no_such_table" does not exist'):
        await explain(target, "SELECT * FROM no_such_table", analyze=True)


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("SELECT pg_advisory_lock(4242)", "would run pg_advisory_lock()"),
        ("SELECT count(*) FROM (SELECT pg_stat_reset()) s", "would run pg_stat_reset()"),
        ("SELECT * FROM items WHERE id = 1 FOR UPDATE", "would lock rows"),
    ],
)
async def test_analyze_refuses_effects_a_rollback_cannot_undo(
    target: Target, statement: str, reason: str
) -> None:
    with pytest.raises(PlanError, match=reason):
        await explain(target, statement, analyze=True)
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    assert await target.conn.fetchval(held) == 0
    # Without ANALYZE nothing runs, so the plan is shown.
    assert (await explain(target, statement)).total_cost > 0


async def test_harmless_volatile_functions_still_run_under_analyze(target: Target) -> None:
    result = await explain(
        target, "SELECT random(), clock_timestamp() FROM items LIMIT 3", analyze=True
    )
    assert result.analyzed


@pytest.mark.parametrize("analyze", [False, True])
async def test_multiple_statements_are_refused(target: Target, analyze: bool) -> None:
    before = await _state(target)
    with pytest.raises(PlanError, match="multiple commands"):
        await explain(target, "SELECT 1; INSERT INTO audit VALUES ('second')", analyze=analyze)
    assert await _state(target) == before


async def test_placeholders_give_a_generic_plan_without_analyze(target: Target) -> None:
    result = await explain(target, "SELECT * FROM items WHERE id = $1")
    assert result.generic
    assert not result.analyzed
    assert result.root.label == "Index Scan using items_pkey on public.items"
    assert result.root.relation == "public.items"
    assert result.root.index_cond is not None
    assert "$1" in result.root.index_cond
    assert "generic plan" in (explain_section(result).tables[0].note or "")
    with pytest.raises(PlanError, match="placeholders"):
        await explain(target, "SELECT * FROM items WHERE id = $1", analyze=True)


def _assert_times_add_up(result: ExplainResult) -> None:
    root = result.root.inclusive_ms
    assert root is not None
    assert result.execution_ms is not None
    assert root <= result.execution_ms
    exclusive = [n.exclusive_ms for n in result.nodes]
    assert all(e is not None and e >= 0 for e in exclusive)
    for node in result.nodes:
        assert node.exclusive_ms is not None
        assert node.inclusive_ms is not None
        assert node.exclusive_ms <= node.inclusive_ms + 1e-9
    total = sum(e or 0.0 for e in exclusive)
    assert abs(total - root) <= 0.1 * root + 0.5, (total, root)
    assert abs(sum(n.share_percent for n in result.nodes) - 100) < 0.01
    assert any(n.hot for n in result.nodes)


async def test_exclusive_times_add_up_with_ctes_init_plans_and_sub_plans(target: Target) -> None:
    result = await explain(
        target,
        """
        WITH recent AS MATERIALIZED (SELECT * FROM items WHERE id > 40000)
        SELECT count(*),
               (SELECT max(item_id) FROM tags),
               sum((SELECT count(*) FROM tags t2 WHERE t2.item_id = r.id AND r.id < 40100))
          FROM recent r
          JOIN tags t ON t.item_id = r.id
         WHERE EXISTS (SELECT 1 FROM recent r2 WHERE r2.id = r.id + 1)
        """,
        analyze=True,
    )
    subplans = {n.subplan.split(" ")[0] for n in result.nodes if n.subplan}
    assert subplans == {"CTE", "InitPlan", "SubPlan"}
    _assert_times_add_up(result)
    # The CTE's time is taken out of the scans that read it, not out of the node it hangs from.
    cte = next(n for n in result.nodes if n.subplan == "CTE recent")
    scans = [n for n in result.nodes if n.node_type == "CTE Scan"]
    assert cte.inclusive_ms is not None
    assert len(scans) == 2
    assert sum(s.inclusive_ms or 0 for s in scans) >= cte.inclusive_ms


async def test_exclusive_times_add_up_below_a_gather(target: Target) -> None:
    conn = target.conn
    await conn.execute(
        "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
        "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2"
    )
    try:
        result = await explain(
            target, "SELECT a, count(*) FROM items WHERE body > 'a' GROUP BY a", analyze=True
        )
    finally:
        await conn.execute("RESET ALL")
    gather = next(n for n in result.nodes if n.node_type.startswith("Gather"))
    below = result.nodes[gather.children[0]]
    assert below.loops is not None
    assert below.loops > 1
    _assert_times_add_up(result)


async def test_a_provoked_misestimate_is_found_and_extended_statistics_fix_it(
    target: Target,
) -> None:
    statement = "SELECT * FROM items WHERE a = 1 AND b = 1"
    result = await explain(target, statement, analyze=True)
    scan = result.root
    assert scan.estimated_rows < 50
    assert scan.actual_rows == 500
    assert scan.misestimate is not None
    assert scan.misestimate >= 10
    finding = explain_section(result).findings[0]
    assert finding.check == "explain.misestimate"
    assert finding.status is Status.WARN
    assert finding.fix_sql == ("ANALYZE public.items;",)
    assert "CREATE STATISTICS" in (finding.advice or "")

    await target.conn.execute("CREATE STATISTICS items_a_b (dependencies) ON a, b FROM items")
    try:
        await target.conn.execute("ANALYZE items")
        fixed = await explain(target, statement, analyze=True)
        assert fixed.root.misestimate is not None
        assert fixed.root.misestimate < 10
        assert explain_section(fixed).findings[0].status is Status.PASS
    finally:
        await target.conn.execute("DROP STATISTICS items_a_b; ANALYZE items")


@pytest.mark.parametrize("analyze", [False, True])
async def test_a_sequential_scan_discarding_most_of_a_large_table(
    target: Target, analyze: bool
) -> None:
    result = await explain(target, "SELECT * FROM items WHERE body = 'absent'", analyze=analyze)
    assert result.root.node_type == "Seq Scan"
    if analyze:
        assert result.root.rows_removed_by_filter == 50_000
    else:
        assert result.root.table_rows == 50_000
    finding = next(f for f in explain_section(result).findings if f.check == "explain.seq_scan")
    assert finding.status is Status.WARN
    assert "advisor" in (finding.advice or "")


async def test_sorts_and_hashes_spilling_to_disk(target: Target) -> None:
    await target.conn.execute("SET work_mem = '64kB'")
    try:
        result = await explain(
            target,
            "SELECT i.body FROM items i JOIN tags t ON t.item_id = i.id ORDER BY i.body, t.tag",
            analyze=True,
        )
    finally:
        await target.conn.execute("RESET work_mem")
    spilled = {n.node_type for n in result.nodes if n.spill}
    assert "Sort" in spilled
    assert "Hash" in spilled
    finding = next(f for f in explain_section(result).findings if f.check == "explain.spill")
    assert finding.status is Status.WARN
    assert "work_mem" in (finding.advice or "")


async def test_a_healthy_statement_passes_every_check(target: Target) -> None:
    result = await explain(target, "SELECT * FROM items WHERE id = 5", analyze=True)
    node = result.root
    assert node.actual_rows == 1
    assert node.loops == 1
    assert node.misestimate == 1
    assert node.shared_hit is not None
    assert node.shared_read is not None
    assert result.planning_ms is not None
    assert result.execution_ms is not None
    section = explain_section(result)
    assert section.name == "explain"
    assert section.status is Status.PASS
    assert [f.check for f in section.findings] == [
        "explain.misestimate",
        "explain.seq_scan",
        "explain.spill",
    ]


async def test_the_section_shows_the_tree_indented(target: Target) -> None:
    result = await explain(
        target, "SELECT i.id, t.tag FROM items i LEFT JOIN tags t ON t.item_id = i.id"
    )
    section = explain_section(result)
    table = section.tables[0]
    assert len(table.rows) == len(result.nodes)
    labels = [row[0] for row in table.rows]
    assert labels[0] == result.root.label
    assert "Left Join" in labels[0]
    for node, label in zip(result.nodes[1:], labels[1:], strict=True):
        assert label == "   " * node.depth + "-> " + node.label
    # Not run: costs only, and the checks that need a run say so.
    assert result.root.exclusive_cost >= 0
    assert abs(sum(n.exclusive_cost for n in result.nodes) - result.root.inclusive_cost) < 1e-6
    assert any(n.hot for n in result.nodes)
    not_run = [f for f in section.findings if f.detail.startswith("Not checked")]
    assert {f.check for f in not_run} == {"explain.misestimate", "explain.spill"}
    document = orjson.loads(orjson.dumps(result.as_json()))
    assert document["nodes"][0]["children"] == list(result.root.children)
    orjson.dumps(section.as_json())
