"""Replicas and their lag, replication slots, WAL archiving, and on a standby its own progress.

Lag is measured two ways. pg_stat_replication's write/flush/replay_lag are the time between the
primary writing WAL and the standby confirming it, as of the standby's last report (NULL once an
idle standby has caught up). Byte lag is the distance between the primary's current WAL position
and what the standby confirmed (pg_wal_lsn_diff), which keeps growing while a standby is stuck.

Replication slots make the primary keep every WAL segment its consumer has not confirmed, even
while the consumer is gone: an inactive slot keeps WAL forever, and the disk holding pg_wal fills
up until PostgreSQL stops. On PostgreSQL 13+ max_slot_wal_keep_size caps that, and wal_status
tells how far a slot is from losing WAL it needs ('unreserved') or has lost it ('lost'). Slots
also hold back vacuum through their xmin/catalog_xmin.

Archiving: a WAL segment that cannot be archived is never removed from pg_wal, so a failing
archive_command also fills the disk, and point-in-time recovery has a gap from that segment on.

Only current spellings are ever recommended: wal_keep_segments became wal_keep_size in
PostgreSQL 13, and recovery.conf became standby.signal plus settings in postgresql.conf in 12.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from pressroom.insights.formatting import human_bytes, human_seconds
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.target import Target

NAME = "replication"
TITLE = "Replication"

GIB = 1024**3
RETENTION_ADVICE = (
    "Cap what any slot may keep with max_slot_wal_keep_size (PostgreSQL 13+; -1, the default, "
    "means no limit), e.g. ALTER SYSTEM SET max_slot_wal_keep_size = '50GB' and SELECT "
    "pg_reload_conf(): a forgotten slot then loses its WAL instead of filling the disk."
)
KEEP_WAL_ADVICE = (
    "To let a standby fall further behind without a slot, keep more WAL with wal_keep_size "
    "(wal_keep_segments was removed in PostgreSQL 13)."
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    lag_warn_seconds: float = 60.0
    lag_fail_seconds: float = 600.0
    lag_warn_bytes: int = 1 * GIB
    lag_fail_bytes: int = 16 * GIB
    # An active slot whose consumer lags this much; an inactive slot warns whatever it retains.
    slot_warn_bytes: int = 1 * GIB
    slot_fail_bytes: int = 16 * GIB
    # Segments waiting for the archiver before it counts as falling behind.
    archive_ready_warn: int = 16


async def inspect(
    target: Target, options: Options, thresholds: Thresholds | None = None
) -> Section:
    limits = thresholds or Thresholds()
    conn = target.conn
    section = Section(NAME, TITLE)
    settings = await conn.fetchrow(SETTINGS)
    assert settings is not None
    # The position everything is measured against: what this server has written, or on a
    # standby what it has received (pg_current_wal_lsn() errors during recovery).
    position = await conn.fetchval(STANDBY_POSITION if target.in_recovery else PRIMARY_POSITION)

    replicas = await conn.fetch(REPLICAS, position) if position is not None else []
    section.findings += replica_findings(replicas, limits)
    section.tables.append(replica_table(replicas))

    slots = await conn.fetch(SLOTS, position)
    section.findings += slot_findings(slots, settings, target.database, limits)
    section.tables.append(slot_table(slots, settings))

    archiver = await conn.fetchrow(ARCHIVER)
    assert archiver is not None
    ready = await conn.fetchval(READY_SEGMENTS) if target.superuser or target.monitor else None
    section.findings.append(archiver_finding(archiver, settings, ready, target.in_recovery, limits))
    section.tables.append(archiver_table(archiver, settings, ready))

    if target.in_recovery:
        standby = await conn.fetchrow(STANDBY)
        receiver = await conn.fetchrow(WAL_RECEIVER)
        assert standby is not None
        state = StandbyState.of(standby, receiver, settings["restore_command"])
        section.findings += standby_findings(state, limits)
        section.tables.append(standby_table(state))
    else:
        section.findings.append(
            Finding(
                "replication.standby",
                "This server is a primary",
                Status.PASS,
                "The server is not in recovery; standby checks do not apply.",
            )
        )
    return section


SETTINGS = """
SELECT current_setting('archive_mode') AS archive_mode,
       current_setting('archive_command') AS archive_command,
       coalesce(current_setting('archive_library', true), '') AS archive_library,
       current_setting('restore_command') AS restore_command,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size') AS segment_bytes,
       (SELECT setting::bigint FROM pg_settings
         WHERE name = 'max_slot_wal_keep_size') AS max_slot_wal_keep_mb
"""
PRIMARY_POSITION = "SELECT pg_current_wal_lsn()::text"
STANDBY_POSITION = "SELECT coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text"
# The queries below take that position as text ($1::text::pg_lsn): asyncpg binds a pg_lsn
# parameter as an integer, not in PostgreSQL's '16/B374D848' spelling.


# --- replicas -------------------------------------------------------------------------------------

REPLICAS = """
SELECT pid,
       usename,
       application_name,
       host(client_addr) AS client_addr,
       state,
       sync_state,
       sent_lsn::text AS sent_lsn,
       replay_lsn::text AS replay_lsn,
       extract(epoch FROM write_lag)::float8 AS write_lag,
       extract(epoch FROM flush_lag)::float8 AS flush_lag,
       extract(epoch FROM replay_lag)::float8 AS replay_lag,
       pg_wal_lsn_diff($1::text::pg_lsn, sent_lsn)::bigint AS unsent_bytes,
       pg_wal_lsn_diff($1::text::pg_lsn, flush_lsn)::bigint AS flush_bytes,
       pg_wal_lsn_diff($1::text::pg_lsn, replay_lsn)::bigint AS replay_bytes
  FROM pg_stat_replication
 ORDER BY application_name, pid
"""


def replica_lag(row: asyncpg.Record) -> tuple[float | None, int | None]:
    """Seconds and bytes behind. A WAL receiver that never replays (pg_receivewal, a backup)
    reports no replay position; what it has flushed is then how far behind it is."""
    seconds = row["replay_lag"] if row["replay_lag"] is not None else row["flush_lag"]
    behind = row["replay_bytes"] if row["replay_bytes"] is not None else row["flush_bytes"]
    return seconds, behind


def lag_status(seconds: float | None, behind: int | None, limits: Thresholds) -> Status:
    seconds, behind = seconds or 0.0, behind or 0
    if seconds > limits.lag_fail_seconds or behind > limits.lag_fail_bytes:
        return Status.FAIL
    if seconds > limits.lag_warn_seconds or behind > limits.lag_warn_bytes:
        return Status.WARN
    return Status.PASS


def replica_findings(replicas: Sequence[asyncpg.Record], limits: Thresholds) -> list[Finding]:
    judged = [(row, *replica_lag(row)) for row in replicas]
    lagging = [
        (row, seconds, behind, lag_status(seconds, behind, limits))
        for row, seconds, behind in judged
        if lag_status(seconds, behind, limits) is not Status.PASS
    ]
    if not lagging:
        detail = (
            f"{len(replicas)} replica{'s' if len(replicas) != 1 else ''} connected, none more "
            f"than {human_seconds(limits.lag_warn_seconds)} or "
            f"{human_bytes(limits.lag_warn_bytes)} behind."
            if replicas
            else "No standby or WAL receiver is connected to this server."
        )
        return [Finding("replication.replicas", "Replicas keep up", Status.PASS, detail)]
    findings = []
    for row, seconds, behind, status in lagging:
        name = row["application_name"] or f"pid {row['pid']}"
        sync = (
            " It is a synchronous standby, so commits on the primary wait for it."
            if row["sync_state"] in ("sync", "quorum")
            else ""
        )
        findings.append(
            Finding(
                "replication.replicas",
                f"Replica {name} is behind",
                status,
                f"Replica {name} ({row['client_addr'] or 'local socket'}, state "
                f"{row['state']}) is {human_seconds(seconds or 0)} and "
                f"{human_bytes(behind or 0)} of WAL behind. Reads from it are that stale, and "
                f"a failover to it would wait for the rest to be replayed.{sync}",
                advice="Look at the standby: replay conflicts with its own long queries "
                "(max_standby_streaming_delay), a saturated disk or network, or a standby that "
                "cannot keep up with the primary's write rate. " + KEEP_WAL_ADVICE,
            )
        )
    return findings


def replica_table(replicas: Sequence[asyncpg.Record]) -> Table:
    rows: list[tuple[Any, ...]] = []
    for row in replicas:
        rows.append(
            (
                row["pid"],
                row["application_name"],
                row["client_addr"],
                row["usename"],
                row["state"],
                row["sync_state"],
                row["write_lag"],
                row["flush_lag"],
                row["replay_lag"],
                row["unsent_bytes"],
                row["replay_bytes"] if row["replay_bytes"] is not None else row["flush_bytes"],
            )
        )
    return Table(
        "Replicas",
        (
            Column("pid"),
            Column("application"),
            Column("client address"),
            Column("user"),
            Column("state"),
            Column("sync"),
            Column("write lag", Kind.SECONDS),
            Column("flush lag", Kind.SECONDS),
            Column("replay lag", Kind.SECONDS),
            Column("not yet sent", Kind.BYTES),
            Column("behind", Kind.BYTES),
        ),
        rows,
        note="From pg_stat_replication. Time lags are empty once an idle standby has caught up; "
        "'behind' is measured to the replayed position, or the flushed one for receivers that "
        "do not replay (pg_receivewal, pg_basebackup).",
    )


# --- replication slots ----------------------------------------------------------------------------

SLOTS = """
SELECT slot_name,
       quote_literal(slot_name) AS slot_literal,
       slot_type,
       plugin,
       database,
       temporary,
       active,
       active_pid,
       xmin IS NOT NULL OR catalog_xmin IS NOT NULL AS holds_xmin,
       restart_lsn::text AS restart_lsn,
       wal_status,
       safe_wal_size,
       pg_wal_lsn_diff($1::text::pg_lsn, restart_lsn)::bigint AS retained_bytes
  FROM pg_replication_slots
 ORDER BY pg_wal_lsn_diff($1::text::pg_lsn, restart_lsn) DESC NULLS FIRST, slot_name
"""


def slot_status(slot: asyncpg.Record, limits: Thresholds) -> Status:
    retained = slot["retained_bytes"] or 0
    if slot["wal_status"] == "lost":
        return Status.FAIL
    if slot["active"]:
        if retained > limits.slot_fail_bytes:
            return Status.FAIL
        if retained > limits.slot_warn_bytes or slot["wal_status"] == "unreserved":
            return Status.WARN
        return Status.PASS
    if retained > limits.slot_fail_bytes or slot["wal_status"] == "unreserved":
        return Status.FAIL
    if slot["restart_lsn"] is not None or slot["holds_xmin"]:
        return Status.WARN
    return Status.PASS


def slot_findings(
    slots: Sequence[asyncpg.Record],
    settings: asyncpg.Record,
    database: str,
    limits: Thresholds,
) -> list[Finding]:
    judged = [(slot, slot_status(slot, limits)) for slot in slots]
    bad = [(slot, status) for slot, status in judged if status is not Status.PASS]
    if not bad:
        return [
            Finding(
                "replication.slots",
                "Replication slots are in use",
                Status.PASS,
                f"{len(slots)} replication slot{'s' if len(slots) != 1 else ''}, none inactive "
                f"or more than {human_bytes(limits.slot_warn_bytes)} behind."
                if slots
                else "There are no replication slots.",
            )
        ]
    unlimited = settings["max_slot_wal_keep_mb"] == -1
    findings = []
    for slot, status in bad:
        findings.append(_slot_finding(slot, status, unlimited, database))
    return findings


def _slot_finding(slot: asyncpg.Record, status: Status, unlimited: bool, database: str) -> Finding:
    name = slot["slot_name"]
    kind = f"{slot['slot_type']} slot {name}"
    if slot["plugin"]:
        kind += f" (plugin {slot['plugin']}, database {slot['database']})"
    retained = slot["retained_bytes"] or 0
    vacuum = (
        " It also holds back vacuum's xmin horizon, so dead rows pile up in every table."
        if slot["holds_xmin"]
        else ""
    )
    cap = "" if not unlimited else " " + RETENTION_ADVICE
    drop = f"SELECT pg_drop_replication_slot({slot['slot_literal']});"
    # A logical slot can only be dropped from its own database.
    droppable = slot["slot_type"] == "physical" or slot["database"] == database
    elsewhere = (
        "" if droppable else f" Connect to database {slot['database']} to drop this logical slot."
    )
    if slot["wal_status"] == "lost":
        return Finding(
            "replication.slots",
            f"Slot {name} has lost the WAL it needs",
            status,
            f"The {kind} needs WAL that has already been removed (wal_status 'lost', "
            "max_slot_wal_keep_size was exceeded): its consumer can never continue from it.",
            advice="Drop the slot, then rebuild the standby (pg_basebackup) or re-sync the "
            "logical consumer from a fresh snapshot." + elsewhere,
            fix_sql=(drop,) if droppable else (),
        )
    if slot["active"]:
        return Finding(
            "replication.slots",
            f"Slot {name} keeps {human_bytes(retained)} of WAL",
            status,
            f"The {kind} is in use by pid {slot['active_pid']} but its consumer is "
            f"{human_bytes(retained)} behind; pg_wal keeps all of it until the consumer "
            f"confirms (wal_status '{slot['wal_status']}').{vacuum}",
            advice="Find out why the consumer is slow (a lagging standby, a stuck logical "
            "decoding client)." + cap,
        )
    return Finding(
        "replication.slots",
        f"Inactive slot {name} keeps {human_bytes(retained)} of WAL",
        status,
        f"Nobody is connected to the {kind}, yet it makes the server keep every WAL segment "
        f"since it was last used: {human_bytes(retained)} so far (wal_status "
        f"'{slot['wal_status']}'), growing with every write until the disk holding pg_wal is "
        f"full and PostgreSQL stops.{vacuum}",
        advice="If the standby or consumer that used it is gone for good, drop the slot; if it "
        "is only down, bring it back soon." + cap + elsewhere,
        fix_sql=(drop,) if droppable else (),
    )


def slot_table(slots: Sequence[asyncpg.Record], settings: asyncpg.Record) -> Table:
    limit = settings["max_slot_wal_keep_mb"]
    return Table(
        "Replication slots",
        (
            Column("slot"),
            Column("type"),
            Column("plugin"),
            Column("database"),
            Column("active"),
            Column("active pid"),
            Column("WAL kept", Kind.BYTES),
            Column("wal status"),
            Column("left before lost", Kind.BYTES),
            Column("holds xmin"),
        ),
        [
            (
                s["slot_name"],
                s["slot_type"],
                s["plugin"],
                s["database"],
                "yes" if s["active"] else "no",
                s["active_pid"],
                s["retained_bytes"],
                s["wal_status"],
                s["safe_wal_size"],
                "yes" if s["holds_xmin"] else "no",
            )
            for s in slots
        ],
        note="max_slot_wal_keep_size is "
        + ("unlimited (-1)" if limit == -1 else human_bytes(limit * 1024 * 1024))
        + "; 'left before lost' is how much more WAL a slot may fall behind before that limit "
        "takes its WAL away.",
    )


# --- archiving ------------------------------------------------------------------------------------

ARCHIVER = """
SELECT archived_count, last_archived_wal, last_archived_time,
       failed_count, last_failed_wal, last_failed_time, stats_reset
  FROM pg_stat_archiver
"""
READY_SEGMENTS = (
    "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready' "
    "AND name NOT LIKE '%.history.ready'"
)


def archiving_fails(archiver: asyncpg.Record) -> bool:
    """The last attempt failed: a failure newer than the last success (or no success yet)."""
    failed: datetime | None = archiver["last_failed_time"]
    archived: datetime | None = archiver["last_archived_time"]
    return failed is not None and (archived is None or failed > archived)


def archiver_finding(
    archiver: asyncpg.Record,
    settings: asyncpg.Record,
    ready: int | None,
    in_recovery: bool,
    limits: Thresholds,
) -> Finding:
    check = "replication.archiver"
    mode = settings["archive_mode"]
    if mode == "off":
        return Finding(
            check,
            "WAL archiving is off",
            Status.PASS,
            "archive_mode is off: WAL is not archived, so this server offers no point-in-time "
            "recovery of its own. That is fine when backups come from elsewhere (a managed "
            "service, pg_basebackup with streamed WAL, a backup tool with its own WAL stream).",
            advice="To archive, set archive_mode = on and an archive_command (or "
            "archive_library) that copies %p to safe storage; archive_mode needs a restart.",
        )
    if in_recovery and mode != "always":
        return Finding(
            check,
            "The archiver does not run on this standby",
            Status.PASS,
            "archive_mode = on archives only on the primary; a standby archives with "
            "archive_mode = always.",
        )
    if not settings["archive_command"] and not settings["archive_library"]:
        return Finding(
            check,
            "archive_mode is on but nothing archives",
            Status.WARN,
            "archive_mode is on while archive_command (and archive_library) are empty: "
            "PostgreSQL keeps every WAL segment in pg_wal waiting for a command that never "
            "runs, so pg_wal grows without bound.",
            advice="Set archive_command (a reload suffices) or turn archive_mode off (restart).",
        )
    waiting = (
        f" {ready} segments ({human_bytes(ready * settings['segment_bytes'])}) wait in pg_wal."
        if ready
        else ""
    )
    if archiving_fails(archiver):
        last_ok = (
            f"the last success was {archiver['last_archived_wal']} at "
            f"{archiver['last_archived_time']:%Y-%m-%d %H:%M:%S %Z}"
            if archiver["last_archived_time"]
            else "no segment has been archived since the statistics were reset"
        )
        return Finding(
            check,
            "WAL archiving is failing",
            Status.FAIL,
            f"Archiving {archiver['last_failed_wal']} failed at "
            f"{archiver['last_failed_time']:%Y-%m-%d %H:%M:%S %Z} ({archiver['failed_count']} "
            f"failures counted), and {last_ok}. Unarchived segments stay in pg_wal until "
            f"archiving succeeds, and point-in-time recovery cannot go past the gap.{waiting}",
            advice="The server log has the command's error (archive command failed with exit "
            "code ...). Fix the destination (full, unreachable, permissions) or the command; "
            "PostgreSQL retries by itself and catches up once it works.",
        )
    if ready is not None and ready > limits.archive_ready_warn:
        return Finding(
            check,
            "The archiver is falling behind",
            Status.WARN,
            f"Archiving works but {ready} segments wait to be archived "
            f"({human_bytes(ready * settings['segment_bytes'])} of pg_wal): WAL is written "
            "faster than archive_command copies it.",
            advice="Make the archive command faster (compression off the critical path, a "
            "closer destination) or use a tool with parallel archiving.",
        )
    last = (
        f"the last segment archived was {archiver['last_archived_wal']} at "
        f"{archiver['last_archived_time']:%Y-%m-%d %H:%M:%S %Z}"
        if archiver["last_archived_time"]
        else "no segment has needed archiving yet"
    )
    earlier = (
        f" {archiver['failed_count']} earlier failures have since been recovered from."
        if archiver["failed_count"]
        else ""
    )
    return Finding(
        check, "WAL archiving works", Status.PASS, f"Archiving is on; {last}.{earlier}{waiting}"
    )


def archiver_table(archiver: asyncpg.Record, settings: asyncpg.Record, ready: int | None) -> Table:
    return Table(
        "WAL archiver",
        (
            Column("archive mode"),
            Column("archived", Kind.NUMBER),
            Column("last archived"),
            Column("last archived at", Kind.TIMESTAMP),
            Column("failed", Kind.NUMBER),
            Column("last failed"),
            Column("last failed at", Kind.TIMESTAMP),
            Column("waiting segments", Kind.NUMBER),
            Column("since", Kind.TIMESTAMP),
        ),
        [
            (
                settings["archive_mode"],
                archiver["archived_count"],
                archiver["last_archived_wal"],
                archiver["last_archived_time"],
                archiver["failed_count"],
                archiver["last_failed_wal"],
                archiver["last_failed_time"],
                ready,
                archiver["stats_reset"],
            )
        ],
        note=None
        if ready is not None
        else "Waiting segments need a superuser or pg_monitor (pg_ls_archive_statusdir).",
    )


# --- this server as a standby ---------------------------------------------------------------------

STANDBY = """
SELECT pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint
           AS replay_bytes,
       pg_last_xact_replay_timestamp() AS last_replayed_at,
       extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age,
       pg_is_wal_replay_paused() AS paused
"""
WAL_RECEIVER = """
SELECT status, sender_host, sender_port, slot_name,
       extract(epoch FROM now() - last_msg_receipt_time)::float8 AS silence
  FROM pg_stat_wal_receiver
"""


@dataclass(frozen=True, slots=True)
class StandbyState:
    receive_lsn: str | None
    replay_lsn: str | None
    replay_bytes: int | None
    last_replayed_at: datetime | None
    replay_age: float | None  # seconds since the last replayed transaction's commit
    paused: bool
    receiver_status: str | None  # None: no WAL receiver process
    sender: str | None
    slot_name: str | None
    silence: float | None  # seconds since the primary last sent anything
    restore_command: str

    @classmethod
    def of(
        cls, standby: asyncpg.Record, receiver: asyncpg.Record | None, restore_command: str
    ) -> StandbyState:
        return cls(
            receive_lsn=standby["receive_lsn"],
            replay_lsn=standby["replay_lsn"],
            replay_bytes=standby["replay_bytes"],
            last_replayed_at=standby["last_replayed_at"],
            replay_age=standby["replay_age"],
            paused=standby["paused"],
            receiver_status=receiver["status"] if receiver else None,
            sender=(
                f"{receiver['sender_host']}:{receiver['sender_port']}"
                if receiver and receiver["sender_host"]
                else None
            ),
            slot_name=receiver["slot_name"] if receiver else None,
            silence=receiver["silence"] if receiver else None,
            restore_command=restore_command,
        )


def standby_findings(state: StandbyState, limits: Thresholds) -> list[Finding]:
    check = "replication.standby"
    findings: list[Finding] = []
    if state.receiver_status != "streaming":
        if state.restore_command:
            findings.append(
                Finding(
                    check,
                    "The standby is not streaming",
                    Status.WARN,
                    "No WAL receiver is streaming from a primary "
                    f"(status: {state.receiver_status or 'not running'}); the standby replays "
                    "only what restore_command fetches from the archive, a segment at a time.",
                    advice="Check primary_conninfo in postgresql.conf (recovery.conf no longer "
                    "exists since PostgreSQL 12; standby.signal marks a standby), that the "
                    "primary is reachable, and the standby's log for connection errors.",
                )
            )
        else:
            findings.append(
                Finding(
                    check,
                    "The standby is disconnected",
                    Status.FAIL,
                    "No WAL receiver is streaming from a primary "
                    f"(status: {state.receiver_status or 'not running'}) and there is no "
                    "restore_command: this standby receives nothing and falls further behind "
                    "with every write on the primary.",
                    advice="Check primary_conninfo (and primary_slot_name) in postgresql.conf "
                    "(recovery.conf no longer exists since PostgreSQL 12; standby.signal marks a "
                    "standby), that the primary is reachable and accepts replication connections "
                    "(pg_hba.conf), and the standby's log. If the primary removed WAL the standby "
                    "still needed, rebuild it with pg_basebackup and use a replication slot. "
                    + KEEP_WAL_ADVICE,
                )
            )
    if state.paused:
        findings.append(
            Finding(
                check,
                "WAL replay is paused",
                Status.WARN,
                "Replay was paused (pg_wal_replay_pause()): the standby receives WAL but its "
                "data stays as of the pause.",
                advice="Resume replay once whatever needed the pause is done.",
                fix_sql=("SELECT pg_wal_replay_resume();",),
            )
        )
    # The time since the last replayed commit is only lag while received WAL waits to be
    # replayed; on an idle primary it grows without anything being wrong.
    pending = state.replay_bytes or 0
    seconds = state.replay_age if pending > 0 else 0.0
    status = lag_status(seconds, pending, limits)
    if status is not Status.PASS:
        findings.append(
            Finding(
                check,
                "Replay lags behind what was received",
                status,
                f"{human_bytes(pending)} of received WAL wait to be replayed; the last replayed "
                f"transaction committed {human_seconds(state.replay_age or 0)} ago on the "
                "primary. Queries here see data that old.",
                advice="Replay is usually held up by conflicts with long queries on this standby "
                "(see max_standby_streaming_delay and hot_standby_feedback) or by slow storage.",
            )
        )
    if not findings:
        findings.append(
            Finding(
                check,
                "The standby keeps up",
                Status.PASS,
                f"Streaming from {state.sender or 'the primary'}; "
                f"{human_bytes(pending)} of received WAL wait to be replayed.",
            )
        )
    return findings


def standby_table(state: StandbyState) -> Table:
    return Table(
        "This standby",
        (
            Column("receiver"),
            Column("primary"),
            Column("slot"),
            Column("received up to"),
            Column("replayed up to"),
            Column("to replay", Kind.BYTES),
            Column("last replayed commit", Kind.TIMESTAMP),
            Column("since last message", Kind.SECONDS),
            Column("paused"),
        ),
        [
            (
                state.receiver_status or "not running",
                state.sender,
                state.slot_name,
                state.receive_lsn,
                state.replay_lsn,
                state.replay_bytes,
                state.last_replayed_at,
                state.silence,
                "yes" if state.paused else "no",
            )
        ],
    )
