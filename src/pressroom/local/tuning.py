"""PostgreSQL 15 settings chosen for a machine, each with the reason it was chosen.

The rules are pure functions of a `Machine` so `pressroom tune` can explain them and tests can
check them for machines we do not have.  Only performance and observability settings live here:
addresses, ports, archiving and authentication belong to the stack manager, which writes them in
a file included after this one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from pressroom.local.machine import Machine

__all__ = ["TunedSetting", "recommend_settings", "render_conf"]

_MB = 1024 * 1024

# Below this PostgreSQL's own defaults (128MB of shared_buffers) would not fit, and the rules'
# floors would add up to more than the budget.
MIN_MEMORY_BUDGET_BYTES = 128 * _MB
DEFAULT_MAX_CONNECTIONS = 100


@dataclass(frozen=True, slots=True)
class TunedSetting:
    name: str
    value: str
    reason: str


def recommend_settings(
    machine: Machine,
    *,
    memory_budget_bytes: int | None = None,
    max_connections: int | None = None,
) -> list[TunedSetting]:
    """Settings for `machine`, in postgresql.conf order and spelling.

    `memory_budget_bytes` gives PostgreSQL only part of the machine; a budget larger than the
    machine is clamped to it, since memory that is not there cannot be promised.
    """
    budget_bytes = machine.memory_bytes
    if memory_budget_bytes is not None:
        budget_bytes = min(memory_budget_bytes, machine.memory_bytes)
    if budget_bytes < MIN_MEMORY_BUDGET_BYTES:
        raise ValueError(
            f"a memory budget of {_human_mb(budget_bytes // _MB)} is too small for PostgreSQL; "
            f"give it at least {_human_mb(MIN_MEMORY_BUDGET_BYTES // _MB)}"
        )
    connections = DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections
    if connections < 1:
        raise ValueError(f"max_connections must be at least 1, got {connections}")

    settings: list[TunedSetting] = []
    budget_mb = budget_bytes // _MB
    budget = _human_mb(budget_mb)
    if budget_bytes < machine.memory_bytes:
        budget = f"{budget} budget (of {_human_mb(machine.memory_bytes // _MB)} on this machine)"
    else:
        budget = f"{budget} budget (all of this machine's memory)"
    cpus = machine.cpus
    ssd = machine.storage == "ssd"

    def add(name: str, value: str, reason: str) -> None:
        settings.append(TunedSetting(name, value, reason))

    # --- memory ---------------------------------------------------------------------------------
    shared_buffers = _clamp(budget_mb // 4, 32, 8 * 1024)
    add(
        "shared_buffers",
        _mb(shared_buffers),
        f"A quarter of the {budget}, kept between 32MB and 8GB because beyond that the OS "
        "page cache serves reads as well and a huge buffer pool only slows checkpoints.",
    )
    effective_cache_size = budget_mb * 3 // 4
    add(
        "effective_cache_size",
        _mb(effective_cache_size),
        f"Three quarters of the {budget}: shared_buffers plus the OS page cache the planner "
        "can expect to find table and index pages in.",
    )

    parallel_workers = cpus if cpus > 1 else 0
    per_gather = min(4, cpus // 2)
    work_mem = _clamp(
        (budget_mb - shared_buffers) // ((connections + parallel_workers) * 3), 4, 256
    )
    add(
        "work_mem",
        _mb(work_mem),
        f"({_human_mb(budget_mb)} budget - {_mb(shared_buffers)} shared_buffers) shared by "
        f"{connections} connections plus {parallel_workers} parallel workers with about three "
        "sort or hash steps each, kept between 4MB and 256MB.",
    )
    maintenance_work_mem = _clamp(budget_mb // 16, 64, 2048)
    add(
        "maintenance_work_mem",
        _mb(maintenance_work_mem),
        f"One sixteenth of the {budget}, between 64MB and 2GB, so index builds after bulk "
        "loads sort in memory while only a few such commands run at once.",
    )

    autovacuum_max_workers = min(8, max(3, cpus // 4))
    autovacuum_work_mem = _clamp(budget_mb // 10 // autovacuum_max_workers, 16, 1024)
    add(
        "autovacuum_work_mem",
        _mb(autovacuum_work_mem),
        f"A tenth of the {_human_mb(budget_mb)} budget split across {autovacuum_max_workers} "
        "autovacuum workers, between 16MB and the 1GB a PostgreSQL 15 vacuum can use for its "
        "dead-row list, so busy workers do not each take maintenance_work_mem.",
    )
    add(
        "huge_pages",
        "try",
        f"Huge pages cut page-table overhead for {_mb(shared_buffers)} of shared_buffers when "
        "the OS has them reserved, and 'try' still starts when it has not.",
    )
    wal_buffers_cap = 64 if cpus >= 16 else 16
    wal_buffers = _clamp(shared_buffers // 32, 1, wal_buffers_cap)
    add(
        "wal_buffers",
        _mb(wal_buffers),
        f"1/32 of the {_mb(shared_buffers)} shared_buffers, at most {wal_buffers_cap}MB with "
        f"{cpus} CPUs (64MB needs 16 or more, where many COPY sessions write WAL at once).",
    )

    # --- connections ----------------------------------------------------------------------------
    add(
        "max_connections",
        str(connections),
        f"{connections} connections is ample because the API reaches PostgreSQL through a "
        "connection pool, and every extra slot costs memory and shrinks work_mem.",
    )
    reserved = min(3, connections - 1)
    add(
        "superuser_reserved_connections",
        str(reserved),
        f"Keeps {reserved} of the {connections} connections free for an administrator to get "
        "in and fix things when the application pools have used up the rest.",
    )

    # --- parallelism ----------------------------------------------------------------------------
    worker_processes = max(8, parallel_workers + 4)
    add(
        "max_worker_processes",
        str(worker_processes),
        f"Room for {parallel_workers} parallel workers plus 4 more background workers (logical "
        "replication, extensions), and never below PostgreSQL's default of 8.",
    )
    if cpus == 1:
        one_cpu = "With 1 CPU a parallel worker would only time-share with its leader, so none."
        add("max_parallel_workers", "0", one_cpu)
        add("max_parallel_workers_per_gather", "0", one_cpu)
        add("max_parallel_maintenance_workers", "0", one_cpu)
    else:
        add(
            "max_parallel_workers",
            str(parallel_workers),
            f"One parallel worker per CPU ({cpus}) across all queries at once, so parallel "
            "plans never oversubscribe the machine.",
        )
        add(
            "max_parallel_workers_per_gather",
            str(per_gather),
            f"Half of the {cpus} CPUs, at most 4, because the API runs many queries at once "
            "and one query grabbing every worker would starve the others.",
        )
        add(
            "max_parallel_maintenance_workers",
            str(min(4, cpus // 2)),
            f"Half of the {cpus} CPUs, at most 4, to speed CREATE INDEX after bulk loads "
            "without taking every core from ingestion.",
        )

    # --- storage --------------------------------------------------------------------------------
    if ssd:
        add(
            "random_page_cost",
            "1.1",
            "On SSD a random read costs about the same as a sequential one, so index scans "
            "(keyset pagination, search) should not be priced at the HDD default of 4.",
        )
    else:
        add(
            "random_page_cost",
            "4",
            "On a spinning disk a random read needs a seek, about 4 times the cost of a "
            "sequential read, which is PostgreSQL's default assumption.",
        )
    if not _has_posix_fadvise():
        add(
            "effective_io_concurrency",
            "0",
            f"This platform ({sys.platform}) has no posix_fadvise, so PostgreSQL refuses any "
            "value but 0.",
        )
    elif ssd:
        add(
            "effective_io_concurrency",
            "200",
            "An SSD serves hundreds of concurrent reads, so bitmap heap scans may prefetch "
            "200 pages ahead.",
        )
    else:
        add(
            "effective_io_concurrency",
            "2",
            "A spinning disk serves about one read at a time, so prefetching more than 2 "
            "pages ahead only queues seeks.",
        )

    # --- WAL and checkpoints for bulk ingestion -------------------------------------------------
    add(
        "wal_level",
        "logical",
        "Change data capture from the event store needs logical decoding, and switching "
        "wal_level later needs a restart, at the cost of a little extra WAL per bulk COPY.",
    )
    add(
        "wal_compression",
        "on",
        "Compresses the full-page images written after each checkpoint, which dominate WAL "
        "volume during bulk COPY; 'on' (pglz) works on every PostgreSQL 15 build, lz4 may not.",
    )
    max_wal_size = _clamp(budget_mb // 4, 1024, 16 * 1024)
    add(
        "max_wal_size",
        _mb(max_wal_size),
        f"A quarter of the {_human_mb(budget_mb)} budget as a proxy for machine size, between "
        "1GB and 16GB, so bulk COPY does not force a checkpoint every few seconds.",
    )
    min_wal_size = max(256, max_wal_size // 4)
    add(
        "min_wal_size",
        _mb(min_wal_size),
        f"A quarter of max_wal_size ({_mb(max_wal_size)}), at least 256MB, so WAL files are "
        "recycled between ingestion bursts instead of deleted and created again.",
    )
    add(
        "checkpoint_timeout",
        "15min",
        "Checkpoints every 15 minutes instead of 5 write each hot page's full-page image "
        "three times less often during ingestion, at the price of longer crash recovery.",
    )
    add(
        "checkpoint_completion_target",
        "0.9",
        "Spreads each checkpoint's writes over 90% of the interval so bulk loads do not "
        "meet sudden I/O spikes.",
    )
    add(
        "max_wal_senders",
        "10",
        "10 WAL sender slots cover a few logical decoding consumers, pg_basebackup and a "
        "replica without a restart.",
    )
    add(
        "max_replication_slots",
        "10",
        "10 replication slots match the 10 WAL senders so each consumer can keep its own slot.",
    )

    # --- autovacuum for write-heavy partitioned tables ------------------------------------------
    add(
        "autovacuum_max_workers",
        str(autovacuum_max_workers),
        f"One per 4 of the {cpus} CPUs but never fewer than PostgreSQL's default of 3 or more "
        "than 8, so big machines vacuum many busy partitions at once.",
    )
    add(
        "autovacuum_naptime",
        "15s",
        "Ingestion writes to the newest partitions all the time, so autovacuum looks for work "
        "every 15 seconds instead of every minute.",
    )
    if ssd:
        add(
            "autovacuum_vacuum_cost_limit",
            "2000",
            "An SSD absorbs vacuum I/O easily, so 2000 instead of the default 200 lets "
            "autovacuum keep up with bulk ingestion; the limit is shared by all workers.",
        )
    else:
        add(
            "autovacuum_vacuum_cost_limit",
            "200",
            "A spinning disk has little spare I/O, so autovacuum keeps PostgreSQL's default "
            "200 cost limit and does not steal seeks from queries.",
        )
    add(
        "autovacuum_vacuum_insert_scale_factor",
        "0.05",
        "Vacuums insert-mostly partitions after 5% new rows instead of 20% so pages are "
        "marked all-visible early and the API's index-only scans skip the heap.",
    )

    # --- observability --------------------------------------------------------------------------
    add(
        "shared_preload_libraries",
        "'pg_stat_statements,auto_explain,pg_prewarm'",
        "pg_stat_statements aggregates every query's cost, auto_explain logs slow plans and "
        "pg_prewarm reloads the buffer cache after a restart; all three must be loaded at "
        "server start.",
    )
    add(
        "pg_prewarm.autoprewarm",
        "on",
        "Saves the list of cached blocks every 5 minutes and reads them back at start-up, so "
        "after a restart the hot indexes and recent partitions are in memory again within "
        "seconds instead of being read from disk one query at a time.",
    )
    add(
        "pg_stat_statements.max",
        "10000",
        "Tracks up to 10000 distinct statements, enough for the API and ingestion without "
        "evicting entries between looks, for a few MB of shared memory.",
    )
    add(
        "pg_stat_statements.track",
        "all",
        "Also counts statements run inside functions and procedures, where ingestion logic "
        "may live.",
    )
    add(
        "track_io_timing",
        "on",
        "Times block reads and writes so slow queries show whether they waited on I/O; "
        "pg_test_timing can confirm the clock overhead is small on this machine.",
    )
    add(
        "track_wal_io_timing",
        "on",
        "Times WAL writes and syncs so pg_stat_wal shows when bulk ingestion is bound by WAL I/O.",
    )
    add(
        "track_activity_query_size",
        "4096",
        "Keeps 4096 bytes of each running statement instead of 1024, since ingestion "
        "statements are long and would be cut off in pg_stat_activity.",
    )
    add(
        "auto_explain.log_min_duration",
        "1s",
        "Logs the plan of any statement slower than 1 second, slow enough to be rare and fast "
        "enough to catch API queries that went wrong.",
    )
    add(
        "auto_explain.log_analyze",
        "on",
        "Logs actual row counts next to the estimates, which is what shows a misestimate.",
    )
    add(
        "auto_explain.log_buffers",
        "on",
        "Logs buffer hits and reads per plan node to tell cache misses from CPU work.",
    )
    add(
        "auto_explain.log_timing",
        "off",
        "With log_analyze on every statement is instrumented in case it turns out slow, and "
        "per-row clock reads would tax all of them, so only row counts and buffers are kept.",
    )
    add(
        "auto_explain.log_nested_statements",
        "on",
        "Also explains slow statements run inside functions, which would otherwise show up "
        "only as a slow function call.",
    )
    add(
        "log_min_duration_statement",
        "500ms",
        "Logs every statement slower than 500ms, well above a healthy API query, to find "
        "regressions before users report them.",
    )
    add(
        "log_lock_waits",
        "on",
        "Logs waits longer than deadlock_timeout (1s) so contention between ingestion and "
        "the API is visible.",
    )
    add(
        "log_temp_files",
        "0",
        "Logs every temporary file (threshold 0 kB), the sign that work_mem is too small "
        "for a sort or hash.",
    )
    add(
        "log_autovacuum_min_duration",
        "10s",
        "Logs autovacuum runs longer than 10 seconds, which shows partitions where vacuum "
        "falls behind without logging every small run.",
    )
    add(
        "log_checkpoints",
        "on",
        "Logs each checkpoint with its cause and duration, which shows whether max_wal_size "
        "is large enough for bulk COPY.",
    )

    # --- planner --------------------------------------------------------------------------------
    add(
        "jit",
        "off",
        "The API's short queries would pay tens of milliseconds of JIT compile time to save "
        "less, and cost estimates inflated by big partitioned tables trigger it needlessly.",
    )
    return settings


def render_conf(settings: Sequence[TunedSetting]) -> str:
    """A postgresql.conf include file with each setting's reason as a comment above it."""
    seen: set[str] = set()
    lines = [
        "# Generated by pressroom (`pressroom tune`) for this machine. Do not edit by hand:",
        "# the file is rewritten whenever pressroom writes the cluster's configuration.",
    ]
    for setting in settings:
        for field in (setting.name, setting.value, setting.reason):
            # A line break would let a reason or value smuggle in its own setting line.
            if "\n" in field or "\r" in field:
                raise ValueError(f"{setting.name!r}: line break in {field!r}")
        if not setting.name or not setting.value:
            raise ValueError(f"empty name or value in {setting!r}")
        if setting.name in seen:
            raise ValueError(f"{setting.name!r} appears twice")
        seen.add(setting.name)
        lines += ["", f"# {setting.reason}", f"{setting.name} = {setting.value}"]
    return "\n".join(lines) + "\n"


def _has_posix_fadvise() -> bool:
    # PostgreSQL built without posix_fadvise (macOS, Windows) rejects a non-zero
    # effective_io_concurrency and refuses to start.
    return not sys.platform.startswith(("darwin", "win32", "cygwin"))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _mb(megabytes: int) -> str:
    """PostgreSQL spelling of a whole number of MB, in GB when it divides evenly."""
    if megabytes % 1024 == 0:
        return f"{megabytes // 1024}GB"
    return f"{megabytes}MB"


def _human_mb(megabytes: int) -> str:
    if megabytes >= 1024:
        gigabytes = megabytes / 1024
        text = f"{gigabytes:.1f}".removesuffix(".0")
        return f"{text}GB"
    return f"{megabytes}MB"
