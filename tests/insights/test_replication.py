"""Replication against the real cluster: a pg_receivewal client as a replica, an inactive slot
that keeps WAL, the archiver failing and recovering; the standby checks on their own values
(the test stack has no standby)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from pressroom.config import Settings
from pressroom.insights import replication
from pressroom.insights.model import Options, Status
from pressroom.insights.replication import StandbyState, Thresholds, standby_findings
from pressroom.insights.target import Target
from pressroom.local.binaries import find_postgres
from tests.insights.helpers import eventually, findings, rows
from tests.support import scratch_dir

SLOT = "doctor_test_slot"


# A replica connecting and the archiver noticing a failure take a few status intervals.
TIMEOUT_S = 20.0
POLL_S = 0.1


async def write_wal(target: Target) -> None:
    """Writes some WAL and finishes the segment, which also hands it to the archiver."""
    await target.conn.execute(
        "CREATE TABLE IF NOT EXISTS doctor_wal (id int, pad text); "
        "INSERT INTO doctor_wal SELECT i, repeat('x', 100) FROM generate_series(1, 2000) i"
    )
    await target.conn.execute("SELECT pg_switch_wal()")


async def test_primary_without_replicas(target: Target) -> None:
    section = await replication.inspect(target, Options())
    for check in ("replication.replicas", "replication.slots", "replication.standby"):
        (finding,) = findings(section, check)
        assert finding.status is Status.PASS, finding
    assert rows(section, "Replicas") == []
    # The archiver's verdict follows pg_stat_archiver, whatever earlier tests left there.
    archiver = await target.conn.fetchrow("SELECT * FROM pg_stat_archiver")
    assert archiver is not None
    (finding,) = findings(section, "replication.archiver")
    assert (finding.status is Status.FAIL) == replication.archiving_fails(archiver)
    (row,) = rows(section, "WAL archiver")
    assert row["archived"] == archiver["archived_count"]
    assert row["failed"] == archiver["failed_count"]


@pytest.fixture
async def slot(target: Target) -> AsyncIterator[str]:
    await target.conn.execute("SELECT pg_create_physical_replication_slot($1, true)", SLOT)
    try:
        yield SLOT
    finally:
        await target.conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = $1",
            SLOT,
        )


async def test_inactive_slot_keeps_wal(target: Target, slot: str) -> None:
    await write_wal(target)
    section = await replication.inspect(target, Options())
    (finding,) = findings(section, "replication.slots")
    assert finding.status is Status.WARN
    assert finding.title.startswith(f"Inactive slot {slot} keeps ")
    assert finding.fix_sql == (f"SELECT pg_drop_replication_slot('{slot}');",)
    assert "max_slot_wal_keep_size" in (finding.advice or "")
    (row,) = rows(section, "Replication slots")
    assert row["slot"] == slot
    assert row["active"] == "no"
    assert row["WAL kept"] > 0
    assert row["wal status"] == "reserved"

    section = await replication.inspect(target, Options(), Thresholds(slot_fail_bytes=1))
    (finding,) = findings(section, "replication.slots")
    assert finding.status is Status.FAIL

    # Running the suggested statement removes the slot and the finding.
    await target.conn.execute(finding.fix_sql[0])
    section = await replication.inspect(target, Options())
    (finding,) = findings(section, "replication.slots")
    assert finding.status is Status.PASS


async def test_wal_receiver_shows_as_replica(
    target: Target, admin_dsn: str, stack: Settings
) -> None:
    binaries = find_postgres(stack.pg_bin_dir)
    assert binaries is not None
    with scratch_dir("pressroom-receivewal-") as folder:
        receiver = subprocess.Popen(  # noqa: ASYNC220 (a server-side client we leave running)
            [
                binaries.tool("pg_receivewal"),
                "--dbname",
                admin_dsn,
                "--directory",
                str(folder),
                "--no-loop",
                "--status-interval",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            async def streaming() -> bool:
                section = await replication.inspect(target, Options())
                return any(
                    row["application"] == "pg_receivewal" and row["state"] == "streaming"
                    for row in rows(section, "Replicas")
                )

            await eventually(streaming, TIMEOUT_S, POLL_S)
            section = await replication.inspect(target, Options())
            (finding,) = findings(section, "replication.replicas")
            assert finding.status is Status.PASS
            assert finding.detail.startswith("1 replica connected")
            (row,) = rows(section, "Replicas")
            assert row["pid"] > 0
            assert row["client address"] is None  # over the Unix socket

            # Any lag at all counts once the limit is below zero bytes.
            section = await replication.inspect(target, Options(), Thresholds(lag_warn_bytes=-1))
            (finding,) = findings(section, "replication.replicas")
            assert finding.status is Status.WARN
            assert finding.title == "Replica pg_receivewal is behind"
            assert "wal_keep_size" in (finding.advice or "")
        finally:
            receiver.terminate()
            receiver.wait(10)


async def test_failing_archiver_then_recovery(target: Target) -> None:
    if await target.conn.fetchval("SELECT current_setting('archive_mode')") == "off":
        pytest.skip("the test stack does not archive WAL")

    async def archiver_fails() -> bool:
        row = await target.conn.fetchrow("SELECT * FROM pg_stat_archiver")
        return row is not None and replication.archiving_fails(row)

    await target.conn.execute("ALTER SYSTEM SET archive_command = 'false'")
    await target.conn.execute("SELECT pg_reload_conf()")
    try:
        await write_wal(target)
        await eventually(archiver_fails, TIMEOUT_S, POLL_S)
        section = await replication.inspect(target, Options())
        (finding,) = findings(section, "replication.archiver")
        assert finding.status is Status.FAIL
        archiver = await target.conn.fetchrow("SELECT * FROM pg_stat_archiver")
        assert archiver is not None
        assert archiver["last_failed_wal"] in finding.detail
        (row,) = rows(section, "WAL archiver")
        assert row["waiting segments"] >= 1
    finally:
        await target.conn.execute("ALTER SYSTEM RESET archive_command")
        await target.conn.execute("SELECT pg_reload_conf()")

    async def recovered() -> bool:
        return not await archiver_fails()

    await eventually(recovered, TIMEOUT_S, POLL_S)
    section = await replication.inspect(target, Options())
    (finding,) = findings(section, "replication.archiver")
    assert finding.status is Status.PASS
    assert "earlier failures have since been recovered from" in finding.detail


def standby(**changes: Any) -> StandbyState:
    values: dict[str, Any] = {
        "receive_lsn": "0/5000000",
        "replay_lsn": "0/5000000",
        "replay_bytes": 0,
        "last_replayed_at": None,
        "replay_age": 3600.0,  # an idle primary: old, but nothing waits to be replayed
        "paused": False,
        "receiver_status": "streaming",
        "sender": "10.0.0.1:5432",
        "slot_name": "standby1",
        "silence": 0.5,
        "restore_command": "",
    }
    values.update(changes)
    return StandbyState(**values)


def test_standby_checks() -> None:
    limits = Thresholds()
    (healthy,) = standby_findings(standby(), limits)
    assert healthy.status is Status.PASS

    (gone,) = standby_findings(standby(receiver_status=None), limits)
    assert gone.status is Status.FAIL
    assert "wal_keep_size" in (gone.advice or "")
    assert "standby.signal" in (gone.advice or "")
    (archive_only,) = standby_findings(
        standby(receiver_status=None, restore_command="cp /archive/%f %p"), limits
    )
    assert archive_only.status is Status.WARN

    (paused,) = standby_findings(standby(paused=True), limits)
    assert paused.status is Status.WARN
    assert paused.fix_sql == ("SELECT pg_wal_replay_resume();",)

    (lagging,) = standby_findings(standby(replay_bytes=5000, replay_age=120.0), limits)
    assert lagging.status is Status.WARN
    (far,) = standby_findings(standby(replay_bytes=5000, replay_age=3600.0), limits)
    assert far.status is Status.FAIL


def test_never_recommends_removed_settings() -> None:
    every = [
        *standby_findings(standby(receiver_status=None), Thresholds()),
        *standby_findings(standby(receiver_status=None, restore_command="x"), Thresholds()),
    ]
    for finding in every:
        for statement in finding.fix_sql:
            assert "wal_keep_segments" not in statement
            assert "recovery.conf" not in statement
        text = finding.advice or ""
        # Named only to say they are gone.
        assert text.count("wal_keep_segments") == text.count("wal_keep_segments was removed")
        assert text.count("recovery.conf") == text.count("recovery.conf no longer exists")
