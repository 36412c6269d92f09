"""Settings: the unit normaliser, the comparison against a machine (the test stack is tuned for a
512MB budget on this machine), dangerous settings provoked on the test cluster, pending restarts
and rejected configuration lines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from pressroom.config import Settings
from pressroom.insights import settings_check
from pressroom.insights.model import Options, Section, Status
from pressroom.insights.settings_check import (
    format_duration,
    format_memory,
    inspect_settings,
    normalise,
    parse_bool,
    parse_duration,
    parse_memory,
)
from pressroom.insights.target import Target, open_target
from pressroom.local.layout import Layout
from pressroom.local.machine import Machine, detect_machine
from pressroom.local.postgres import STACK_CONF
from tests.insights.helpers import eventually, findings, rows
from tests.support import TEST_MEMORY_BUDGET_MB

MB = 1024**2
GB = 1024**3
TABLE = "Settings against the recommendation"


def settings_rows(section: Section) -> dict[str, dict[str, Any]]:
    """The comparison table's rows by setting name."""
    return {row["name"]: row for row in rows(section, TABLE)}


# --- the normaliser -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_unit", "expected"),
    [
        ("4GB", "B", 4 * GB),
        ("512kB", "B", 512 * 1024),
        ("8MB", "kB", 8 * MB),
        (" 64 MB ", "B", 64 * MB),
        ("'128MB'", "B", 128 * MB),
        ("1TB", "B", 1024 * GB),
        ("1.5GB", "B", 1536 * MB),
        ("16384", "8kB", 128 * MB),  # shared_buffers as pg_settings reports it
        ("4096", "B", 4096),
        ("64", "MB", 64 * MB),
        ("-1", "kB", -1),  # "use another setting": kept, not scaled
    ],
)
def test_parse_memory(text: str, default_unit: str, expected: int) -> None:
    assert parse_memory(text, default_unit) == expected


@pytest.mark.parametrize(
    ("text", "default_unit", "expected"),
    [
        ("10s", "ms", 10_000),
        ("15min", "ms", 900_000),
        ("500ms", "s", 500),
        ("1h", "ms", 3_600_000),
        ("1d", "ms", 86_400_000),
        ("100us", "ms", 0.1),
        ("5", "s", 5000),
        ("900", "s", 900_000),  # checkpoint_timeout as pg_settings reports it
        ("-1", "ms", -1),
    ],
)
def test_parse_duration(text: str, default_unit: str, expected: float) -> None:
    assert parse_duration(text, default_unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on", True),
        ("off", False),
        ("ON", True),
        ("true", True),
        ("t", True),
        ("yes", True),
        ("1", True),
        ("0", False),
        ("of", False),
        ("'off'", False),
        ("n", False),
    ],
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["o", "", "maybe", "2"])
def test_parse_bool_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        parse_bool(text)


@pytest.mark.parametrize(
    ("text", "parser"),
    [("4 parsecs", parse_memory), ("lots", parse_memory), ("10 fortnights", parse_duration)],
)
def test_units_refused(text: str, parser: Callable[[str], object]) -> None:
    with pytest.raises(ValueError, match="not"):
        parser(text)


def test_normalise_by_setting_type() -> None:
    # The recommendation's spelling and pg_settings' spelling meet in the same units.
    assert normalise("128MB", "integer", "8kB") == normalise("16384", "integer", "8kB")
    assert normalise("15min", "integer", "s") == normalise("900", "integer", "s")
    assert normalise("1s", "integer", "ms") == 1000
    assert normalise("on", "bool", None) is True
    assert normalise("1.1", "real", None) == pytest.approx(1.1)
    assert normalise("10000", "integer", None) == 10000
    assert normalise("Logical", "enum", None) == "logical"
    assert normalise("'pg_stat_statements'", "string", None) == "pg_stat_statements"
    with pytest.raises(ValueError, match="takes no unit"):
        normalise("10MB", "integer", None)


def test_formatting_reads_like_show() -> None:
    assert format_memory(128 * MB) == "128MB"
    assert format_memory(4 * GB) == "4GB"
    assert format_memory(1536 * 1024) == "1536kB"
    assert format_duration(900_000) == "15min"
    assert format_duration(500) == "500ms"
    assert format_duration(0.1) == "100us"


# --- against the machine ----------------------------------------------------------------------------


def stack_machine(stack: Settings) -> Machine:
    """The machine the test stack was tuned for, as `pressroom up` saw it (storage is judged by
    the disk holding the data)."""
    return detect_machine(stack.data_dir)


async def test_stack_matches_its_own_tuning(target: Target, stack: Settings) -> None:
    section = await inspect_settings(
        target,
        stack_machine(stack),
        memory_budget_bytes=TEST_MEMORY_BUDGET_MB * MB,
        detected=True,
    )
    compared = settings_rows(section)
    # Every rule, in every unit, compares equal to what the stack wrote from it.
    verdicts = {name: row["verdict"] for name, row in compared.items()}
    assert verdicts == dict.fromkeys(compared, "as recommended")
    assert compared["shared_buffers"]["current"] == "128MB"
    assert compared["checkpoint_timeout"]["current"] == "15min"
    (tuning,) = findings(section, "settings.tuning")
    assert tuning.status is Status.PASS
    (preferences,) = findings(section, "settings.preferences")
    assert preferences.fix_sql == ()
    (memory,) = findings(section, "settings.memory")
    assert memory.status is Status.PASS
    (machine,) = findings(section, "settings.machine")
    assert "detected" in machine.detail


async def test_bigger_machine_makes_memory_settings_differ(target: Target, stack: Settings) -> None:
    big = replace(stack_machine(stack), memory_bytes=64 * GB)
    section = await inspect_settings(target, big)
    by_title = {f.title.split(" is ")[0]: f for f in findings(section, "settings.tuning")}

    shared = by_title["shared_buffers"]
    assert shared.status is Status.WARN
    assert shared.title == "shared_buffers is 128MB, 8GB recommended"
    # shared_buffers needs a restart: no reload, and the advice says so.
    assert shared.fix_sql == ("ALTER SYSTEM SET shared_buffers = '8GB';",)
    assert "restart" in (shared.advice or "")

    work_mem = by_title["work_mem"]
    assert work_mem.fix_sql[-1] == "SELECT pg_reload_conf();"
    assert work_mem.fix_sql[0].startswith("ALTER SYSTEM SET work_mem = '")

    table = settings_rows(section)
    assert table["shared_buffers"]["status"] == "warn"
    assert table["shared_buffers"]["recommended"] == "8GB"
    # Not every setting depends on memory.
    assert table["checkpoint_timeout"]["status"] == "pass"


async def test_unknown_machine_compares_only_machine_independent_settings(
    target: Target,
) -> None:
    section = await inspect_settings(target, None)
    table = settings_rows(section)
    assert "shared_buffers" not in table
    assert "work_mem" not in table
    assert "checkpoint_timeout" in table
    assert "track_io_timing" in table
    (machine,) = findings(section, "settings.machine")
    assert "only the settings that are the same for every machine" in machine.detail
    (tuning,) = findings(section, "settings.tuning")
    assert tuning.title == "Machine-dependent settings not compared"
    assert findings(section, "settings.memory") == []


async def test_inspect_detects_the_local_machine(target: Target) -> None:
    section = await settings_check.inspect(target, Options())
    (machine,) = findings(section, "settings.machine")
    assert "detected: the server runs on this host" in machine.detail
    assert "shared_buffers" in settings_rows(section)


# --- dangerous settings ------------------------------------------------------------------------------


async def test_safe_settings_pass(target: Target) -> None:
    section = await inspect_settings(target, None)
    for check in (
        "settings.fsync",
        "settings.full_page_writes",
        "settings.synchronous_commit",
        "settings.pending_restart",
        "settings.config_files",
    ):
        (finding,) = findings(section, check)
        assert finding.status is Status.PASS, finding
    (files,) = findings(section, "settings.config_files")
    assert "wal_keep_size" in files.detail


@pytest.fixture
async def no_sync_commit(target: Target, admin_dsn: str) -> AsyncIterator[str]:
    database = target.database
    await target.conn.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
    try:
        yield admin_dsn
    finally:
        await target.conn.execute(f'ALTER DATABASE "{database}" RESET synchronous_commit')


async def test_synchronous_commit_off_for_a_database(target: Target, no_sync_commit: str) -> None:
    # Settings of a database apply to sessions opened after the change.
    async with open_target(no_sync_commit) as fresh:
        assert await fresh.conn.fetchval("SHOW synchronous_commit") == "off"
        section = await inspect_settings(fresh, None)
    (finding,) = findings(section, "settings.synchronous_commit")
    assert finding.status is Status.WARN
    assert finding.title == f"synchronous_commit is off for database {target.database}"
    assert "wal_writer_delay" in finding.detail
    assert finding.fix_sql == (f"ALTER DATABASE {target.database} RESET synchronous_commit;",)


async def _reloaded(target: Target, name: str, value: str) -> None:
    await target.conn.execute("SELECT pg_reload_conf()")

    async def applied() -> bool:
        return bool(await target.conn.fetchval("SELECT current_setting($1) = $2", name, value))

    await eventually(applied)


async def test_fsync_and_full_page_writes_off_fail(target: Target) -> None:
    # The test cluster is this run's own; its data is thrown away afterwards.
    await target.conn.execute("ALTER SYSTEM SET fsync = off")
    await target.conn.execute("ALTER SYSTEM SET full_page_writes = off")
    try:
        await _reloaded(target, "fsync", "off")
        await _reloaded(target, "full_page_writes", "off")
        section = await inspect_settings(target, None)
    finally:
        await target.conn.execute("ALTER SYSTEM RESET fsync")
        await target.conn.execute("ALTER SYSTEM RESET full_page_writes")
        await _reloaded(target, "fsync", "on")
        await _reloaded(target, "full_page_writes", "on")
    for name in ("fsync", "full_page_writes"):
        (finding,) = findings(section, f"settings.{name}")
        assert finding.status is Status.FAIL
        assert finding.fix_sql == (f"ALTER SYSTEM SET {name} = on;", "SELECT pg_reload_conf();")
    assert section.status is Status.FAIL


async def test_pending_restart(target: Target) -> None:
    # max_wal_senders is in the stack's tuning file: once reset, the file sets it back to the
    # running value and the flag clears. (A setting absent from every file would stay
    # "pending" until the next restart, which the rest of the run should not inherit.)
    running = await target.conn.fetchval("SELECT current_setting('max_wal_senders')::int")
    await target.conn.execute(f"ALTER SYSTEM SET max_wal_senders = {running + 1}")
    try:
        await target.conn.execute("SELECT pg_reload_conf()")

        async def pending() -> bool:
            section = await inspect_settings(target, None)
            (finding,) = findings(section, "settings.pending_restart")
            return finding.status is Status.WARN

        await eventually(pending)
        section = await inspect_settings(target, None)
        (finding,) = findings(section, "settings.pending_restart")
        assert "max_wal_senders" in finding.detail
    finally:
        await target.conn.execute("ALTER SYSTEM RESET max_wal_senders")
        await target.conn.execute("SELECT pg_reload_conf()")

    async def cleared() -> bool:
        section = await inspect_settings(target, None)
        (finding,) = findings(section, "settings.pending_restart")
        return finding.status is Status.PASS

    await eventually(cleared)


async def test_removed_setting_in_a_config_file(target: Target, stack: Settings) -> None:
    # pg_file_settings parses the files as they are now: no reload, the server never sees it.
    conf = Layout(stack.data_dir).pg_data / STACK_CONF
    original = conf.read_text()
    conf.write_text(original + "wal_keep_segments = 32\n")
    try:
        section = await inspect_settings(target, None)
    finally:
        conf.write_text(original)
    (finding,) = findings(section, "settings.config_files")
    assert finding.status is Status.WARN
    assert "wal_keep_segments, which no longer exists; use wal_keep_size" in finding.detail
    assert STACK_CONF in finding.detail
