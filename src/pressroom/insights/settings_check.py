"""The server's settings against those recommended for its machine, and settings that are
dangerous on any machine.

The recommendations are pressroom's own tuning rules (pressroom.local.tuning), the ones
`pressroom tune` explains; this section only compares. Most of them depend on the machine
(memory, CPUs, storage), which is only knowable when the database runs on this host: the doctor
is connected over a Unix socket or to a loopback address. Otherwise the caller passes a `Machine`
describing the server, and without one only the settings that are the same on every machine are
compared. Which settings those are is not listed by hand: they are the ones the rules give the
same value for a very small and a very large machine.

Values are compared in normalised units: pg_settings reports `shared_buffers` as 16384 units of
8kB while the rules say 128MB, and `checkpoint_timeout` as 900 s while the rules say 15min.
Sizes that matter (memory, parallelism, I/O costs) pass within a factor of two of the
recommendation, because the rules are a starting point and not an exact science; everything else
(logging, observability, pressroom-specific choices such as wal_level = logical) is a preference,
listed but never a warning.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from pressroom.insights.formatting import human_bytes
from pressroom.insights.model import Column, Finding, Kind, Options, Section, Status, Table
from pressroom.insights.target import Target
from pressroom.local.machine import Machine, detect_machine
from pressroom.local.tuning import TunedSetting, recommend_settings

MB = 1024 * 1024

NAME = "settings"
TITLE = "Settings"

# --- units ------------------------------------------------------------------------------------------

# PostgreSQL's memory units are powers of 1024, its time units are those below (docs: "Parameter
# Names and Values"); a number without a unit is in the setting's own unit.
MEMORY_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
TIME_UNITS_MS = {
    "us": 0.001,
    "ms": 1.0,
    "s": 1000.0,
    "min": 60_000.0,
    "h": 3_600_000.0,
    "d": 86_400_000.0,
}
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*$")
_UNIT = re.compile(r"^\s*(\d*)\s*([a-zA-Z]+)\s*$")
# Unique prefixes are accepted, as PostgreSQL's parse_bool does ("of" is off, "o" is ambiguous).
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")

Value = int | float | bool | str


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _split(text: str) -> tuple[float, str]:
    match = _QUANTITY.match(unquote(text))
    if match is None:
        raise ValueError(f"{text!r} is not a number with an optional unit")
    return float(match[1]), match[2]


def unit_bytes(unit: str) -> int:
    """Bytes in one of pg_settings' memory units: 'B', 'kB', 'MB', or a block like '8kB'."""
    match = _UNIT.match(unit)
    if match is None or match[2].lower() not in MEMORY_UNITS:
        raise ValueError(f"{unit!r} is not a memory unit")
    return int(match[1] or 1) * MEMORY_UNITS[match[2].lower()]


def unit_ms(unit: str) -> float:
    if unit.strip().lower() not in TIME_UNITS_MS:
        raise ValueError(f"{unit!r} is not a time unit")
    return TIME_UNITS_MS[unit.strip().lower()]


def is_memory_unit(unit: str | None) -> bool:
    if not unit:
        return False
    try:
        unit_bytes(unit)
    except ValueError:
        return False
    return True


def is_time_unit(unit: str | None) -> bool:
    return bool(unit) and unit is not None and unit.strip().lower() in TIME_UNITS_MS


def parse_memory(text: str, default_unit: str = "B") -> int:
    """'4GB', '512kB', '1.5GB', or a bare number in `default_unit` (e.g. '8kB' blocks), in bytes.

    A negative number keeps its meaning (-1 is "off" or "use another setting") and is returned
    as it is, not scaled by the unit."""
    number, unit = _split(text)
    if number < 0:
        return int(number)
    return round(number * unit_bytes(unit or default_unit))


def parse_duration(text: str, default_unit: str = "ms") -> float:
    """'10s', '15min', '500ms', '1h', or a bare number in `default_unit`, in milliseconds.

    Negative numbers (-1: "off") are returned as they are."""
    number, unit = _split(text)
    if number < 0:
        return number
    return number * unit_ms(unit or default_unit)


def parse_bool(text: str) -> bool:
    word = unquote(text).lower()
    if word not in ("", "o"):
        if any(candidate.startswith(word) for candidate in _TRUE):
            return True
        if any(candidate.startswith(word) for candidate in _FALSE):
            return False
    raise ValueError(f"{text!r} is not a boolean")


def normalise(text: str, vartype: str, unit: str | None, name: str = "") -> Value:
    """`text` (as written in postgresql.conf, or pg_settings.setting with its unit) as a value
    that compares directly: bytes, milliseconds, bool, number, or lower-case text."""
    if vartype == "bool":
        return parse_bool(text)
    if vartype in ("integer", "real"):
        if is_memory_unit(unit):
            assert unit is not None
            return parse_memory(text, unit)
        if is_time_unit(unit):
            assert unit is not None
            return parse_duration(text, unit)
        number, suffix = _split(text)
        if suffix:
            raise ValueError(f"{text!r}: this setting takes no unit")
        return int(number) if vartype == "integer" and number.is_integer() else number
    if vartype == "enum":
        return canonical_enum(name, unquote(text).lower())
    return unquote(text)


# Enum settings that were booleans once still take on/off and their synonyms, and show some of
# them under another name: wal_compression = on is shown as pglz since PostgreSQL 15.
ENUM_ALIASES = {("wal_compression", "on"): "pglz"}


def canonical_enum(name: str, word: str) -> str:
    with contextlib.suppress(ValueError):
        word = "on" if parse_bool(word) else "off"
    return ENUM_ALIASES.get((name, word), word)


def format_memory(value: int) -> str:
    """Bytes the way SHOW prints them: the largest unit that divides evenly."""
    if value <= 0:
        return str(value)
    for unit in ("TB", "GB", "MB", "kB"):
        size = MEMORY_UNITS[unit.lower()]
        if value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}B"


def format_duration(value: float) -> str:
    if value <= 0:
        return f"{value:g}"
    for unit in ("d", "h", "min", "s", "ms"):
        size = TIME_UNITS_MS[unit]
        if value >= size and math.isclose(value / size, round(value / size)):
            return f"{round(value / size)}{unit}"
    return f"{value * 1000:g}us"


def display(value: Value, unit: str | None) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float) and is_memory_unit(unit):
        return format_memory(int(value))
    if isinstance(value, int | float) and is_time_unit(unit):
        return format_duration(float(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- comparing ------------------------------------------------------------------------------------

# Settings whose distance from the recommendation changes how the server performs; the rest of
# the rules are pressroom's preferences (logging, observability, its own replication needs).
MATTERS = frozenset(
    {
        "shared_buffers",
        "effective_cache_size",
        "work_mem",
        "maintenance_work_mem",
        "autovacuum_work_mem",
        "wal_buffers",
        "max_wal_size",
        "random_page_cost",
        "effective_io_concurrency",
        "max_worker_processes",
        "max_parallel_workers",
        "max_parallel_workers_per_gather",
        "max_parallel_maintenance_workers",
        "autovacuum_max_workers",
        "autovacuum_vacuum_cost_limit",
    }
)
# Within this factor of the recommendation a setting that matters still passes.
TOLERANCE = 2.0
# -1 means "use this other setting".
FALLBACKS = {
    "autovacuum_work_mem": "maintenance_work_mem",
    "autovacuum_vacuum_cost_limit": "vacuum_cost_limit",
}
# Derived from the current value, so never a finding of their own.
ECHOED = frozenset({"max_connections"})
LIST_SETTINGS = frozenset({"shared_preload_libraries"})
RELOADS = frozenset({"sighup", "superuser", "user", "superuser-backend", "backend"})


@dataclass(frozen=True, slots=True)
class ServerSetting:
    name: str
    name_sql: str  # quoted for ALTER SYSTEM
    setting: str
    unit: str | None
    vartype: str
    context: str
    source: str
    pending_restart: bool

    @property
    def value(self) -> Value:
        return normalise(self.setting, self.vartype, self.unit, self.name)

    @property
    def shown(self) -> str:
        return display(self.value, self.unit)


SETTINGS = """
SELECT name,
       array_to_string(ARRAY(SELECT quote_ident(part)
                               FROM unnest(string_to_array(name, '.')) WITH ORDINALITY AS p(part, i)
                              ORDER BY i), '.') AS name_sql,
       setting, unit, vartype, context, source, pending_restart
  FROM pg_settings
"""


async def server_settings(conn: asyncpg.Connection) -> dict[str, ServerSetting]:
    return {
        row["name"]: ServerSetting(
            name=row["name"],
            name_sql=row["name_sql"],
            setting=row["setting"] or "",
            unit=row["unit"],
            vartype=row["vartype"],
            context=row["context"],
            source=row["source"],
            pending_restart=row["pending_restart"],
        )
        for row in await conn.fetch(SETTINGS)
    }


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    current: str | None
    recommended: str
    status: Status
    verdict: str
    reason: str
    matters: bool
    differs: bool
    statement: str | None  # the ALTER SYSTEM that applies the recommendation
    context: str | None


def _library_list(text: str) -> list[str]:
    return [part.strip().strip('"') for part in unquote(text).split(",") if part.strip()]


def _number(settings: Mapping[str, ServerSetting], name: str) -> int:
    value = settings[name].value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} is not a numeric setting")
    return int(value)


def effective(setting: ServerSetting, settings: Mapping[str, ServerSetting]) -> Value:
    value = setting.value
    fallback = FALLBACKS.get(setting.name)
    if fallback and isinstance(value, int | float) and value < 0 and fallback in settings:
        return settings[fallback].value
    return value


def within(current: Value, recommended: Value, tolerance: float) -> bool:
    if isinstance(current, bool) or isinstance(recommended, bool):
        return current == recommended
    if isinstance(current, int | float) and isinstance(recommended, int | float):
        if recommended == 0 or current <= 0:
            return current == recommended
        return recommended / tolerance <= current <= recommended * tolerance
    return current == recommended


def compare(
    tuned: TunedSetting, settings: Mapping[str, ServerSetting], literal: Mapping[str, str]
) -> Comparison:
    setting = settings.get(tuned.name)
    matters = tuned.name in MATTERS
    if setting is None:
        return Comparison(
            tuned.name,
            None,
            unquote(tuned.value),
            Status.PASS,
            "not available",
            tuned.reason + " (Not available on this server: its module is not loaded or its "
            "PostgreSQL version does not have it.)",
            matters,
            False,
            None,
            None,
        )
    if tuned.name in LIST_SETTINGS:
        # More libraries than recommended is fine; the fix adds the missing ones to the rest.
        have = _library_list(setting.setting)
        missing = [lib for lib in _library_list(tuned.value) if lib not in have]
        same = close = not missing
        statement_value = ",".join(have + missing)
    else:
        current = effective(setting, settings)
        wanted = normalise(tuned.value, setting.vartype, setting.unit, setting.name)
        same = within(current, wanted, 1.0)
        close = within(current, wanted, TOLERANCE) if matters else same
        statement_value = unquote(tuned.value)
    current_text = setting.shown
    if setting.name in FALLBACKS and effective(setting, settings) != setting.value:
        current_text += (
            f" (uses {FALLBACKS[setting.name]}: "
            f"{display(effective(setting, settings), setting.unit)})"
        )
    if same:
        verdict, status = "as recommended", Status.PASS
    elif close:
        verdict, status = "close enough", Status.PASS
    elif matters:
        verdict, status = "differs", Status.WARN
    else:
        verdict, status = "differs (preference)", Status.PASS
    statement = None
    if not same and setting.context != "internal":
        statement = (
            f"ALTER SYSTEM SET {setting.name_sql} = "
            f"{literal.get(statement_value, _literal(statement_value))};"
        )
    return Comparison(
        tuned.name,
        current_text,
        unquote(tuned.value),
        status,
        verdict,
        tuned.reason,
        matters,
        not same,
        statement,
        setting.context,
    )


def _literal(value: str) -> str:
    # Only used for values not quoted by the server already; standard_conforming_strings is on
    # since PostgreSQL 9.1, so doubling quotes is all a literal needs.
    return "'" + value.replace("'", "''") + "'"


def apply_sql(comparisons: Sequence[Comparison]) -> tuple[str, ...]:
    """The ALTER SYSTEM statements, then a reload when any of them takes effect without a
    restart."""
    statements = [c.statement for c in comparisons if c.statement]
    if any(c.statement and c.context in RELOADS for c in comparisons):
        statements.append("SELECT pg_reload_conf();")
    return tuple(statements)


def apply_advice(comparisons: Sequence[Comparison]) -> str:
    restart = sorted(c.name for c in comparisons if c.statement and c.context == "postmaster")
    reload = [c.name for c in comparisons if c.statement and c.context in RELOADS]
    parts = []
    if reload:
        parts.append(f"{', '.join(reload)} take{'s' if len(reload) == 1 else ''} effect on reload")
    if restart:
        parts.append(
            f"{', '.join(restart)} need{'s' if len(restart) == 1 else ''} a restart of "
            "PostgreSQL (until then pg_settings shows pending_restart)"
        )
    return (
        "ALTER SYSTEM writes postgresql.auto.conf, which overrides postgresql.conf; "
        + "; ".join(parts)
        + ". On a managed service change the parameter group or server flags instead."
    )


# --- the machine ------------------------------------------------------------------------------------

SERVER_LOCATION = """
SELECT host(inet_server_addr()) AS address,
       (SELECT setting FROM pg_settings WHERE name = 'data_directory') AS data_directory
"""


async def local_machine(target: Target) -> Machine | None:
    """This host's machine when the server runs on it, else None.

    A connection over a Unix socket has no server address; a loopback address is this host too
    (a port forwarded from elsewhere would fool this, which the caller can override by passing
    its own Machine). The data directory, when visible and present here, tells which disk to
    judge the storage by."""
    row = await target.conn.fetchrow(SERVER_LOCATION)
    assert row is not None
    address = row["address"]
    if address is not None and not ipaddress.ip_address(address).is_loopback:
        return None
    data = Path(row["data_directory"]) if row["data_directory"] else None
    return detect_machine(data if data is not None and data.exists() else None)


# Two machines as different as the rules know: what they agree on does not depend on the machine.
_SMALL = Machine(memory_bytes=1024**3, cpus=1, storage="hdd")
_LARGE = Machine(memory_bytes=512 * 1024**3, cpus=64, storage="ssd")


def machine_independent(max_connections: int) -> list[TunedSetting]:
    small = recommend_settings(_SMALL, max_connections=max_connections)
    large = {s.name: s.value for s in recommend_settings(_LARGE, max_connections=max_connections)}
    return [s for s in small if large.get(s.name) == s.value]


def describe_machine(machine: Machine, budget: int | None) -> str:
    text = f"{human_bytes(machine.memory_bytes)} of memory, {machine.cpus} CPU"
    text += ("s" if machine.cpus != 1 else "") + f", {machine.storage.upper()}"
    if budget is not None and budget < machine.memory_bytes:
        text += f", of which PostgreSQL may use {human_bytes(budget)}"
    return text


# --- the section ------------------------------------------------------------------------------------


async def inspect(target: Target, options: Options) -> Section:
    budget = options.memory_budget_mb * MB if options.memory_budget_mb else None
    if options.server_memory_mb and options.server_cpus:
        given = Machine(options.server_memory_mb * MB, options.server_cpus, options.server_storage)
        return await inspect_settings(target, given, memory_budget_bytes=budget)
    machine = await local_machine(target)
    return await inspect_settings(
        target, machine, memory_budget_bytes=budget, detected=machine is not None
    )


async def inspect_settings(
    target: Target,
    machine: Machine | None,
    *,
    memory_budget_bytes: int | None = None,
    detected: bool = False,
) -> Section:
    """Settings against the recommendation for `machine` (None: unknown, machine-dependent
    settings are not compared). `memory_budget_bytes` gives PostgreSQL only part of the
    machine's memory, as `pressroom tune` does for the local stack; `detected` says the machine
    was detected on this host rather than given (it only changes the wording)."""
    conn = target.conn
    settings = await server_settings(conn)
    max_connections = _number(settings, "max_connections")
    section = Section(NAME, TITLE)

    machine_note = (
        "The server does not run on this host and no machine was given, so only the settings "
        "that are the same for every machine were compared; give the server's memory and CPUs "
        "(`pressroom doctor settings --server-memory-mb N --server-cpus N`) to compare memory, "
        "parallelism and I/O settings too."
    )
    tuned = machine_independent(max_connections)
    if machine is not None:
        try:
            tuned = recommend_settings(
                machine, memory_budget_bytes=memory_budget_bytes, max_connections=max_connections
            )
        except ValueError as exc:
            machine_note = (
                f"No recommendation fits {describe_machine(machine, memory_budget_bytes)} "
                f"({exc}), so only the settings that are the same for every machine were "
                "compared."
            )
            machine = None
        else:
            how = "detected: the server runs on this host" if detected else "as given"
            machine_note = (
                f"Compared against {describe_machine(machine, memory_budget_bytes)} ({how})."
            )
    section.findings.append(Finding("settings.machine", "Machine", Status.PASS, machine_note))

    tuned = [t for t in tuned if t.name not in ECHOED]
    literal = await _literals(conn, tuned, settings)
    comparisons = [compare(t, settings, literal) for t in tuned]
    section.findings += tuning_findings(comparisons)
    section.findings.append(preferences_finding(comparisons))
    if machine is not None:
        section.findings.append(memory_finding(settings, machine, memory_budget_bytes))
    section.findings += durability_findings(settings, await conn.fetch(ROLE_DATABASE_SETTINGS))
    section.findings.append(pending_restart_finding(settings))
    files = await _file_settings(target)
    section.findings.append(config_file_finding(files))

    section.tables.append(
        Table(
            "Settings against the recommendation",
            (
                Column("name"),
                Column("current"),
                Column("recommended"),
                Column("status", Kind.STATUS),
                Column("verdict"),
                Column("reason"),
            ),
            [
                (c.name, c.current, c.recommended, c.status.value, c.verdict, c.reason)
                for c in sorted(
                    comparisons, key=lambda c: (-c.status.severity, not c.matters, c.name)
                )
            ],
            note=machine_note
            + f" Settings that matter pass within a factor of {TOLERANCE:g} of the "
            "recommendation; the others are preferences and never warn.",
        )
    )
    return section


async def _literals(
    conn: asyncpg.Connection, tuned: Sequence[TunedSetting], settings: Mapping[str, ServerSetting]
) -> dict[str, str]:
    """quote_literal of every value an ALTER SYSTEM might set, in one round trip."""
    values = {unquote(t.value) for t in tuned}
    for name in LIST_SETTINGS:
        if name in settings:
            have = _library_list(settings[name].setting)
            wanted = next((t for t in tuned if t.name == name), None)
            if wanted is not None:
                extra = [lib for lib in _library_list(wanted.value) if lib not in have]
                values.add(",".join(have + extra))
    rows = await conn.fetch(
        "SELECT v, quote_literal(v) AS q FROM unnest($1::text[]) AS v", sorted(values)
    )
    return {row["v"]: row["q"] for row in rows}


def tuning_findings(comparisons: Sequence[Comparison]) -> list[Finding]:
    off = [c for c in comparisons if c.status is Status.WARN]
    if not off:
        compared = sum(1 for c in comparisons if c.matters and c.current is not None)
        if not compared:
            return [
                Finding(
                    "settings.tuning",
                    "Machine-dependent settings not compared",
                    Status.PASS,
                    "Memory, parallelism and I/O settings depend on the machine, which is not "
                    "known here (see the machine finding).",
                )
            ]
        return [
            Finding(
                "settings.tuning",
                "Settings fit the machine",
                Status.PASS,
                f"{compared} settings that matter for performance are within a factor of "
                f"{TOLERANCE:g} of the recommendation.",
            )
        ]
    return [
        Finding(
            "settings.tuning",
            f"{c.name} is {c.current}, {c.recommended} recommended",
            Status.WARN,
            f"{c.name} is {c.current} where {c.recommended} is recommended: {c.reason}",
            advice=apply_advice([c]),
            fix_sql=apply_sql([c]),
        )
        for c in off
    ]


def preferences_finding(comparisons: Sequence[Comparison]) -> Finding:
    differing = [c for c in comparisons if c.differs and not c.matters and c.current is not None]
    if not differing:
        return Finding(
            "settings.preferences",
            "Preferences as recommended",
            Status.PASS,
            "Logging, observability and the other preferences are set as recommended.",
        )
    names = ", ".join(f"{c.name} ({c.current}, recommended {c.recommended})" for c in differing)
    return Finding(
        "settings.preferences",
        f"{len(differing)} preference{'s differ' if len(differing) != 1 else ' differs'}",
        Status.PASS,
        f"These differ from pressroom's preferences, which is not a problem in itself: {names}. "
        "The table gives the reason for each.",
        advice="Adopt the ones whose reasons apply to this database. " + apply_advice(differing),
        fix_sql=apply_sql(differing),
    )


def memory_finding(
    settings: Mapping[str, ServerSetting], machine: Machine, budget: int | None
) -> Finding:
    memory = min(budget, machine.memory_bytes) if budget else machine.memory_bytes
    shared = _number(settings, "shared_buffers")
    work_mem = _number(settings, "work_mem")
    connections = _number(settings, "max_connections")
    worst = shared + connections * work_mem
    detail = (
        f"shared_buffers ({format_memory(shared)}) plus one work_mem ({format_memory(work_mem)}) "
        f"for each of max_connections = {connections} comes to {human_bytes(worst)} of the "
        f"{human_bytes(memory)} available"
    )
    if shared > 0.4 * memory:
        return Finding(
            "settings.memory",
            "shared_buffers takes most of the memory",
            Status.WARN,
            f"shared_buffers is {format_memory(shared)}, over 40% of the {human_bytes(memory)} "
            "available: little is left for the OS page cache, connections and maintenance.",
            advice="Keep shared_buffers around a quarter of the memory (see the table).",
        )
    if worst > memory:
        return Finding(
            "settings.memory",
            "Connections could exhaust memory",
            Status.WARN,
            detail + ": a busy moment with every connection sorting at once can run the server "
            "out of memory, and one query may use several work_mem.",
            advice="Lower work_mem or max_connections (a connection pool lets far fewer "
            "connections serve the same load); raise work_mem per role or per query where "
            "large sorts need it (ALTER ROLE ... SET work_mem).",
        )
    return Finding("settings.memory", "Memory settings fit", Status.PASS, detail + ".")


# --- dangerous settings -----------------------------------------------------------------------------

ROLE_DATABASE_SETTINGS = """
SELECT d.datname, r.rolname, quote_ident(d.datname) AS database_sql,
       quote_ident(r.rolname) AS role_sql, c.setting
  FROM pg_db_role_setting s
  LEFT JOIN pg_database d ON d.oid = s.setdatabase
  LEFT JOIN pg_roles r ON r.oid = s.setrole
 CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting)
 WHERE c.setting ILIKE 'synchronous_commit=%'
"""

SYNC_COMMIT_TRADE_OFF = (
    "With synchronous_commit = off a commit returns before its WAL reaches disk: a crash of the "
    "server (not of the application) loses the last transactions reported as committed, up to "
    "three times wal_writer_delay (600 ms by default), although the database stays consistent. "
    "That is a fair trade for data that can be re-created (caches, bulk loads that can be "
    "rerun), not for anything a user was told was saved."
)


def _sync_commit_off(value: str) -> bool:
    try:
        return not parse_bool(value)
    except ValueError:
        return False  # local, remote_write, remote_apply: durable locally


def durability_findings(
    settings: Mapping[str, ServerSetting], role_settings: Sequence[asyncpg.Record]
) -> list[Finding]:
    findings: list[Finding] = []
    for name, consequence in (
        (
            "fsync",
            "PostgreSQL never forces its writes to disk: after an operating-system crash or "
            "power loss the database can be silently corrupted, not merely behind.",
        ),
        (
            "full_page_writes",
            "a page torn by a crash in the middle of its write cannot be repaired from WAL: "
            "after an operating-system crash or power loss the database can be corrupted.",
        ),
    ):
        setting = settings.get(name)
        if setting is not None and setting.value is False:
            findings.append(
                Finding(
                    f"settings.{name}",
                    f"{name} is off",
                    Status.FAIL,
                    f"{name} = off: {consequence}",
                    advice=f"Turn {name} back on now (a reload suffices) and remove any "
                    f"'{name} = off' from postgresql.conf. If the server crashed while it was "
                    "off, restore from a backup or check the data with pg_amcheck.",
                    fix_sql=(f"ALTER SYSTEM SET {name} = on;", "SELECT pg_reload_conf();"),
                )
            )
        else:
            findings.append(
                Finding(f"settings.{name}", f"{name} is on", Status.PASS, f"{name} is on.")
            )
    findings.append(synchronous_commit_finding(settings, role_settings))
    return findings


def synchronous_commit_finding(
    settings: Mapping[str, ServerSetting], role_settings: Sequence[asyncpg.Record]
) -> Finding:
    places: list[str] = []
    fix: list[str] = []
    for row in role_settings:
        if not _sync_commit_off(row["setting"].split("=", 1)[1]):
            continue
        if row["datname"] and row["rolname"]:
            places.append(f"role {row['rolname']} in database {row['datname']}")
            fix.append(
                f"ALTER ROLE {row['role_sql']} IN DATABASE {row['database_sql']} "
                "RESET synchronous_commit;"
            )
        elif row["datname"]:
            places.append(f"database {row['datname']}")
            fix.append(f"ALTER DATABASE {row['database_sql']} RESET synchronous_commit;")
        elif row["rolname"]:
            places.append(f"role {row['rolname']}")
            fix.append(f"ALTER ROLE {row['role_sql']} RESET synchronous_commit;")
    setting = settings.get("synchronous_commit")
    # Values from ALTER ROLE/DATABASE are found above for every role and database; the server-
    # wide value is what a session gets from the configuration files.
    if (
        setting is not None
        and setting.source in ("configuration file", "default", "command line")
        and _sync_commit_off(setting.setting)
    ):
        places.insert(0, "the whole server")
        fix[:0] = ["ALTER SYSTEM SET synchronous_commit = on;", "SELECT pg_reload_conf();"]
    if not places:
        return Finding(
            "settings.synchronous_commit",
            "Commits are durable",
            Status.PASS,
            "synchronous_commit is not off for the server, any database or any role.",
        )
    return Finding(
        "settings.synchronous_commit",
        "synchronous_commit is off for " + places[0],
        Status.WARN,
        f"synchronous_commit = off is set for {', '.join(places)}. " + SYNC_COMMIT_TRADE_OFF,
        advice="Keep it off only where losing the last moments of work is acceptable; individual "
        "transactions can still opt out with SET LOCAL synchronous_commit = off.",
        fix_sql=tuple(fix),
    )


def pending_restart_finding(settings: Mapping[str, ServerSetting]) -> Finding:
    pending = sorted(s.name for s in settings.values() if s.pending_restart)
    if not pending:
        return Finding(
            "settings.pending_restart",
            "No setting waits for a restart",
            Status.PASS,
            "Every change in the configuration files is in effect.",
        )
    return Finding(
        "settings.pending_restart",
        f"{len(pending)} setting{'s' if len(pending) != 1 else ''} wait for a restart",
        Status.WARN,
        f"{', '.join(pending)} changed in the configuration files but only take effect when "
        "PostgreSQL restarts; until then the server runs with the old values.",
        advice="Restart PostgreSQL at a quiet moment (pg_ctl restart, systemctl restart "
        "postgresql, or `pressroom down` and `pressroom up` for the local stack).",
    )


# --- configuration files ----------------------------------------------------------------------------

FILE_SETTINGS = """
SELECT sourcefile, sourceline, name, setting, error
  FROM pg_file_settings
 WHERE error IS NOT NULL AND error <> 'setting could not be applied'
 ORDER BY sourcefile, sourceline
"""
# Settings PostgreSQL removed, and what replaced them.
REMOVED = {
    "wal_keep_segments": "wal_keep_size (PostgreSQL 13+, in MB: segments × 16MB)",
    "checkpoint_segments": "max_wal_size (PostgreSQL 9.5+)",
    "standby_mode": "a standby.signal file in the data directory (PostgreSQL 12+)",
    "operator_precedence_warning": "nothing (removed in PostgreSQL 14)",
    "vacuum_cleanup_index_scale_factor": "nothing (removed in PostgreSQL 14)",
}


async def _file_settings(target: Target) -> list[asyncpg.Record] | None:
    """Lines of the configuration files PostgreSQL rejects; None without the privilege to read
    them (pg_file_settings is for superusers)."""
    if not target.superuser:
        return None
    try:
        return list(await target.conn.fetch(FILE_SETTINGS))
    except asyncpg.InsufficientPrivilegeError:
        return None


def config_file_finding(rows: Sequence[asyncpg.Record] | None) -> Finding:
    check = "settings.config_files"
    reminder = (
        "Removed settings such as wal_keep_segments (replaced by wal_keep_size in PostgreSQL 13) "
        "are reported here when a configuration file still sets them."
    )
    if rows is None:
        return Finding(
            check,
            "Configuration files not read",
            Status.PASS,
            "Reading pg_file_settings needs a superuser, so rejected lines in the configuration "
            "files are not checked. " + reminder,
        )
    if not rows:
        return Finding(
            check,
            "The configuration files are clean",
            Status.PASS,
            "PostgreSQL accepts every line of its configuration files. " + reminder,
        )
    lines = []
    for row in rows:
        where = f"{row['sourcefile']}:{row['sourceline']}"
        name = row["name"] or "?"
        replacement = REMOVED.get(name)
        if replacement:
            lines.append(f"{where} sets {name}, which no longer exists; use {replacement}")
        else:
            lines.append(f"{where} {name}: {row['error']}")
    return Finding(
        check,
        f"{len(rows)} configuration line{'s' if len(rows) != 1 else ''} rejected",
        Status.WARN,
        "PostgreSQL ignores these lines of its configuration files: " + "; ".join(lines) + ".",
        advice="Fix or remove them. A rejected line can also keep the whole file from being "
        "reloaded, so later edits would not take effect either.",
    )
