"""Machine detection and the tuning rules, checked over machines we do not have."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from pressroom.local import machine as machine_module
from pressroom.local.machine import Machine, detect_machine
from pressroom.local.tuning import TunedSetting, recommend_settings, render_conf

KB = 1024
MB = 1024 * KB
GB = 1024 * MB
POSTGRES = Path("/usr/lib/postgresql/15/bin/postgres")

MEMORY_SETTINGS = (
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "autovacuum_work_mem",
    "wal_buffers",
    "max_wal_size",
    "min_wal_size",
)
# PostgreSQL 15's own lower bounds, in bytes.
PG_MINIMUMS = {
    "shared_buffers": 128 * KB,
    "work_mem": 64 * KB,
    "maintenance_work_mem": 1 * MB,
    "autovacuum_work_mem": 1 * MB,
    "wal_buffers": 32 * KB,
    "max_wal_size": 32 * MB,
    "min_wal_size": 32 * MB,
}
REQUIRED = {
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "autovacuum_work_mem",
    "huge_pages",
    "wal_buffers",
    "max_connections",
    "superuser_reserved_connections",
    "max_worker_processes",
    "max_parallel_workers",
    "max_parallel_workers_per_gather",
    "max_parallel_maintenance_workers",
    "random_page_cost",
    "effective_io_concurrency",
    "wal_compression",
    "max_wal_size",
    "min_wal_size",
    "checkpoint_completion_target",
    "wal_level",
    "max_wal_senders",
    "max_replication_slots",
    "shared_preload_libraries",
    "pg_prewarm.autoprewarm",
    "pg_stat_statements.max",
    "pg_stat_statements.track",
    "track_io_timing",
    "track_wal_io_timing",
    "track_activity_query_size",
    "auto_explain.log_min_duration",
    "auto_explain.log_analyze",
    "auto_explain.log_buffers",
    "auto_explain.log_timing",
    "auto_explain.log_nested_statements",
    "log_min_duration_statement",
    "log_lock_waits",
    "log_temp_files",
    "log_autovacuum_min_duration",
    "log_checkpoints",
    "autovacuum_max_workers",
    "autovacuum_naptime",
    "autovacuum_vacuum_cost_limit",
    "autovacuum_vacuum_insert_scale_factor",
    "jit",
}
FIXED_VALUES = {
    "huge_pages": "try",
    "wal_compression": "on",
    "checkpoint_completion_target": "0.9",
    "wal_level": "logical",
    "max_wal_senders": "10",
    "max_replication_slots": "10",
    "shared_preload_libraries": "'pg_stat_statements,auto_explain,pg_prewarm'",
    "pg_prewarm.autoprewarm": "on",
    "pg_stat_statements.max": "10000",
    "pg_stat_statements.track": "all",
    "track_io_timing": "on",
    "track_wal_io_timing": "on",
    "track_activity_query_size": "4096",
    "auto_explain.log_min_duration": "1s",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "off",
    "auto_explain.log_nested_statements": "on",
    "log_min_duration_statement": "500ms",
    "log_lock_waits": "on",
    "log_temp_files": "0",
    "log_autovacuum_min_duration": "10s",
    "log_checkpoints": "on",
    "jit": "off",
}
# Owned by the stack manager: in the tuning file these would fight its own file.
STACK_OWNED = {
    "listen_addresses",
    "port",
    "unix_socket_directories",
    "archive_mode",
    "archive_command",
    "archive_library",
    "archive_timeout",
    "restore_command",
    "password_encryption",
    "ssl",
    "hba_file",
    "ident_file",
    "krb_server_keyfile",
    "authentication_timeout",
    "data_directory",
    "config_file",
}
# Gone from PostgreSQL 15: any of these stops the server at startup.
REMOVED = {
    "wal_keep_segments",  # 13, became wal_keep_size
    "checkpoint_segments",  # 9.5, became max_wal_size
    "stats_temp_directory",  # 15
    "standby_mode",  # 12, recovery.conf
    "trigger_file",  # 12, recovery.conf
    "default_with_oids",  # 12
    "replacement_sort_tuples",  # 11
    "min_parallel_relation_size",  # 10
    "sql_inheritance",  # 10
    "operator_precedence_warning",  # 14
    "vacuum_cleanup_index_scale_factor",  # 14
}
# Dotted names are custom options of these preloaded libraries, unknown to the core server.
EXTENSION_OPTIONS = {
    "pg_stat_statements": {"max", "track", "track_utility", "track_planning", "save"},
    "pg_prewarm": {"autoprewarm", "autoprewarm_interval"},
    "auto_explain": {
        "log_min_duration",
        "log_analyze",
        "log_buffers",
        "log_timing",
        "log_nested_statements",
        "log_verbose",
        "log_format",
        "sample_rate",
    },
}


@dataclass(frozen=True, slots=True)
class Case:
    machine: Machine
    budget_bytes: int | None = None
    max_connections: int | None = None

    @property
    def budget(self) -> int:
        if self.budget_bytes is None:
            return self.machine.memory_bytes
        return min(self.budget_bytes, self.machine.memory_bytes)

    def settings(self) -> list[TunedSetting]:
        return recommend_settings(
            self.machine,
            memory_budget_bytes=self.budget_bytes,
            max_connections=self.max_connections,
        )

    def values(self) -> dict[str, str]:
        return {s.name: s.value for s in self.settings()}


CASES = {
    "1cpu-1GB-hdd": Case(Machine(1 * GB, 1, "hdd")),
    "2cpu-24GB-ssd": Case(Machine(24 * GB, 2, "ssd")),
    "64cpu-512GB-ssd": Case(Machine(512 * GB, 64, "ssd")),
    "512MB-budget-on-64cpu-512GB": Case(Machine(512 * GB, 64, "ssd"), budget_bytes=512 * MB),
    # Real machines report memory that is not a whole number of MB.
    "3cpu-odd-memory-hdd": Case(Machine(24_684_084 * KB + 123, 3, "hdd")),
    "8cpu-16GB-20-connections": Case(Machine(16 * GB, 8, "ssd"), max_connections=20),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


def parse_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)(kB|MB|GB)", value)
    assert match is not None, f"{value!r} is not an integer with a kB, MB or GB unit"
    return int(match.group(1)) * {"kB": KB, "MB": MB, "GB": GB}[match.group(2)]


def parse_ms(value: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|min)", value)
    assert match is not None, f"{value!r} is not an integer with an ms, s or min unit"
    return int(match.group(1)) * {"ms": 1, "s": 1000, "min": 60_000}[match.group(2)]


# --- the rules ----------------------------------------------------------------------------------


def test_every_required_setting_is_present_once(case: Case) -> None:
    names = [s.name for s in case.settings()]
    assert len(names) == len(set(names)), "duplicate names"
    assert set(names) >= REQUIRED, f"missing: {sorted(REQUIRED - set(names))}"


def test_fixed_values(case: Case) -> None:
    values = case.values()
    for name, expected in FIXED_VALUES.items():
        assert values[name] == expected, name


def test_no_stack_owned_or_removed_names(case: Case) -> None:
    emitted = {s.name for s in case.settings()}
    assert not emitted & STACK_OWNED
    assert not emitted & REMOVED


def test_reasons_are_one_plain_sentence(case: Case) -> None:
    for s in case.settings():
        assert s.reason.strip(), s.name
        assert s.reason.isascii(), s.name
        assert "\n" not in s.reason, s.name
        assert s.reason.endswith("."), s.name
        assert ". " not in s.reason[:-1], f"{s.name}: more than one sentence: {s.reason}"


def test_derived_reasons_mention_their_numbers(case: Case) -> None:
    derived = {*MEMORY_SETTINGS, "max_connections", "max_worker_processes"}
    derived |= {"max_parallel_workers", "max_parallel_workers_per_gather"}
    derived |= {"autovacuum_max_workers", "autovacuum_vacuum_cost_limit"}
    for s in case.settings():
        if s.name in derived:
            assert re.search(r"\d", s.reason), f"{s.name}: {s.reason}"


def test_memory_values_use_valid_units_and_respect_minimums(case: Case) -> None:
    values = case.values()
    for name in MEMORY_SETTINGS:
        size = parse_bytes(values[name])
        assert size % MB == 0, f"{name} is not a whole number of MB"
        assert size >= PG_MINIMUMS.get(name, 1), name
    assert parse_bytes(values["shared_buffers"]) >= 32 * MB
    assert parse_bytes(values["work_mem"]) >= 4 * MB
    assert parse_bytes(values["max_wal_size"]) >= 1 * GB


def test_memory_fits_the_budget(case: Case) -> None:
    values = case.values()
    size = {name: parse_bytes(values[name]) for name in MEMORY_SETTINGS}
    budget = case.budget
    connections = int(values["max_connections"])
    autovacuum_workers = int(values["autovacuum_max_workers"])

    assert size["shared_buffers"] < size["effective_cache_size"] <= budget
    assert size["shared_buffers"] <= 8 * GB
    assert size["work_mem"] <= 256 * MB
    assert size["maintenance_work_mem"] <= 2 * GB
    assert size["autovacuum_work_mem"] <= 1 * GB
    assert size["wal_buffers"] <= 64 * MB
    assert size["min_wal_size"] < size["max_wal_size"]
    # The usual worst case: every connection sorting at once on top of the buffer pool.  The
    # 4MB work_mem floor may overshoot a small budget a little, never absurdly.
    assert size["shared_buffers"] + size["work_mem"] * connections <= budget * 1.1
    peak = (
        size["shared_buffers"]
        + size["wal_buffers"]
        + size["work_mem"] * connections
        + size["maintenance_work_mem"]
        + size["autovacuum_work_mem"] * autovacuum_workers
    )
    assert peak <= budget * 1.5


def test_shared_buffers_is_a_quarter_of_the_budget_within_bounds(case: Case) -> None:
    shared_buffers = parse_bytes(case.values()["shared_buffers"])
    expected = min(max(case.budget // MB // 4, 32), 8 * 1024) * MB
    assert shared_buffers == expected


def test_parallel_settings_are_consistent(case: Case) -> None:
    values = {name: value for name, value in case.values().items() if value.isdigit()}
    cpus = case.machine.cpus
    workers = int(values["max_parallel_workers"])
    per_gather = int(values["max_parallel_workers_per_gather"])
    maintenance = int(values["max_parallel_maintenance_workers"])
    assert workers <= cpus
    assert per_gather <= workers
    assert maintenance <= workers
    assert per_gather <= max(1, cpus // 2)
    assert int(values["max_worker_processes"]) >= max(workers, 8)
    assert 3 <= int(values["autovacuum_max_workers"]) <= 8
    if cpus == 1:
        assert (workers, per_gather, maintenance) == (0, 0, 0)
    else:
        assert per_gather >= 1


def test_two_cpus_get_one_worker_per_gather() -> None:
    values = CASES["2cpu-24GB-ssd"].values()
    assert values["max_parallel_workers_per_gather"] == "1"
    assert values["max_parallel_maintenance_workers"] == "1"
    assert values["max_parallel_workers"] == "2"


def test_connections(case: Case) -> None:
    values = case.values()
    expected = case.max_connections if case.max_connections is not None else 100
    assert values["max_connections"] == str(expected)
    # PostgreSQL refuses to start unless some connections remain for ordinary roles.
    assert int(values["superuser_reserved_connections"]) < expected


def test_fewer_connections_leave_more_work_mem() -> None:
    machine = Machine(16 * GB, 8, "ssd")
    few = recommend_settings(machine, max_connections=20)
    many = recommend_settings(machine, max_connections=400)
    work_mem = {s.name: s.value for s in few}["work_mem"]
    assert parse_bytes(work_mem) > parse_bytes({s.name: s.value for s in many}["work_mem"])


def test_storage_settings(case: Case) -> None:
    values = case.values()
    if case.machine.storage == "ssd":
        assert (values["random_page_cost"], values["effective_io_concurrency"]) == ("1.1", "200")
        assert values["autovacuum_vacuum_cost_limit"] == "2000"
    else:
        assert (values["random_page_cost"], values["effective_io_concurrency"]) == ("4", "2")
        assert values["autovacuum_vacuum_cost_limit"] == "200"


def test_no_prefetch_where_postgres_has_no_posix_fadvise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    values = CASES["2cpu-24GB-ssd"].values()
    assert values["effective_io_concurrency"] == "0"


def test_durations_and_numbers_parse(case: Case) -> None:
    values = case.values()
    for name in (
        "auto_explain.log_min_duration",
        "log_min_duration_statement",
        "log_autovacuum_min_duration",
        "autovacuum_naptime",
        "checkpoint_timeout",
    ):
        assert parse_ms(values[name]) > 0, name
    for name in (
        "random_page_cost",
        "checkpoint_completion_target",
        "autovacuum_vacuum_insert_scale_factor",
    ):
        assert 0 < float(values[name]) <= 4, name


def test_budget_larger_than_the_machine_is_clamped() -> None:
    machine = Machine(4 * GB, 4, "ssd")
    values = {s.name: s.value for s in recommend_settings(machine)}
    clamped = recommend_settings(machine, memory_budget_bytes=64 * GB)
    assert {s.name: s.value for s in clamped} == values


def test_budget_shrinks_memory_settings() -> None:
    machine = Machine(64 * GB, 16, "ssd")
    full = {s.name: s.value for s in recommend_settings(machine)}
    part_settings = recommend_settings(machine, memory_budget_bytes=16 * GB)
    part = {s.name: s.value for s in part_settings}
    assert parse_bytes(part["shared_buffers"]) == 4 * GB < parse_bytes(full["shared_buffers"])
    assert parse_bytes(part["effective_cache_size"]) == 12 * GB
    reason = next(s.reason for s in part_settings if s.name == "shared_buffers")
    assert "16GB budget (of 64GB on this machine)" in reason


@pytest.mark.parametrize(("budget", "connections"), [(64 * MB, None), (1 * GB, 0), (1 * GB, -5)])
def test_impossible_inputs_are_refused(budget: int, connections: int | None) -> None:
    with pytest.raises(ValueError, match=r"too small|max_connections"):
        recommend_settings(
            Machine(8 * GB, 2, "ssd"), memory_budget_bytes=budget, max_connections=connections
        )


def test_machine_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="cpus"):
        Machine(1 * GB, 0, "ssd")
    with pytest.raises(ValueError, match="memory"):
        Machine(0, 1, "ssd")


# --- the rendered file --------------------------------------------------------------------------

CONF_LINE = re.compile(
    r"(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?) = (?P<value>\S(?:.*\S)?)"
)


def test_render_conf_parses_line_by_line(case: Case) -> None:
    settings = case.settings()
    text = render_conf(settings)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert lines[0].startswith("#")
    header = " ".join(line for line in lines[:2]).lower()
    assert "pressroom" in header
    assert "do not edit by hand" in header

    parsed: dict[str, str] = {}
    previous = ""
    for line in lines:
        if not line or line.startswith("#"):
            previous = line
            continue
        match = CONF_LINE.fullmatch(line)
        assert match is not None, f"not a `name = value` line: {line!r}"
        assert match["name"] not in parsed
        parsed[match["name"]] = match["value"]
        reason = next(s.reason for s in settings if s.name == match["name"])
        assert previous == f"# {reason}"
        previous = line
    assert parsed == {s.name: s.value for s in settings}


def test_render_conf_refuses_what_would_corrupt_the_file() -> None:
    with pytest.raises(ValueError, match="line break"):
        render_conf([TunedSetting("work_mem", "4MB", "first\nport = 1")])
    with pytest.raises(ValueError, match="twice"):
        render_conf([TunedSetting("jit", "off", "a."), TunedSetting("jit", "on", "b.")])


# --- against a real PostgreSQL 15 ---------------------------------------------------------------


def _core_guc_names() -> set[str]:
    if not POSTGRES.is_file():
        pytest.skip(f"{POSTGRES} is not installed, so GUC names cannot be checked")
    out = subprocess.run(
        [str(POSTGRES), "--describe-config"], capture_output=True, text=True, check=True
    )
    return {line.split("\t", 1)[0] for line in out.stdout.splitlines() if line}


def test_every_name_is_a_real_postgres_15_setting() -> None:
    known = _core_guc_names()
    # The listing itself looks right, and the removed list really lists removed names.
    assert "shared_buffers" in known
    assert not REMOVED & known
    for case in CASES.values():
        settings = case.settings()
        preloaded = {s.value for s in settings if s.name == "shared_preload_libraries"}.pop()
        libraries = set(preloaded.strip("'").split(","))
        for s in settings:
            if "." in s.name:
                library, option = s.name.split(".", 1)
                assert library in libraries, f"{s.name}: {library} is not preloaded"
                assert option in EXTENSION_OPTIONS[library], s.name
            else:
                assert s.name in known, f"{s.name} is not a PostgreSQL 15 setting"


def _postgres_command() -> list[str]:
    """How to run the server binary here: it refuses to run as root, so drop to nobody."""
    if not POSTGRES.is_file():
        pytest.skip(f"{POSTGRES} is not installed, so values cannot be checked")
    if os.geteuid() != 0:
        return [str(POSTGRES)]
    setpriv = shutil.which("setpriv")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if setpriv is None or nobody is None:
        pytest.skip("running as root without setpriv or a 'nobody' user to run postgres as")
    return [
        setpriv,
        f"--reuid={nobody.pw_uid}",
        f"--regid={nobody.pw_gid}",
        "--clear-groups",
        str(POSTGRES),
    ]


def test_postgres_15_accepts_every_value(case: Case) -> None:
    """`postgres -C` parses the whole file with the server's own checks, without a cluster."""
    command = _postgres_command()
    settings = case.settings()
    # The server may run as another user, who cannot enter pytest's private tmp_path.
    with tempfile.TemporaryDirectory(prefix="pressroom-tuning-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        conf = folder / "postgresql.conf"
        conf.write_text(
            f"data_directory = '{folder}'\n"
            f"hba_file = '{folder}/pg_hba.conf'\n"
            f"ident_file = '{folder}/pg_ident.conf'\n" + render_conf(settings)
        )
        conf.chmod(0o644)

        def show(setting: str) -> str:
            out = subprocess.run(
                [*command, f"--config-file={conf}", "-C", setting],
                capture_output=True,
                text=True,
                check=False,
                cwd=folder,
                timeout=60,
            )
            assert out.returncode == 0, out.stderr
            return out.stdout.strip()

        values = {s.name: s.value for s in settings}
        # -C answers in the setting's base unit: 8kB blocks and kB.
        assert int(show("shared_buffers")) * 8 * KB == parse_bytes(values["shared_buffers"])
        assert int(show("work_mem")) * KB == parse_bytes(values["work_mem"])
        assert show("wal_level") == "logical"


# --- detection ----------------------------------------------------------------------------------


def test_detect_machine_on_this_machine() -> None:
    found = detect_machine()
    assert found.memory_bytes > 0
    assert found.memory_bytes <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 1 <= found.cpus <= (os.cpu_count() or 1)
    assert found.storage in ("ssd", "hdd")
    # The whole pipeline works on what was found.
    assert render_conf(recommend_settings(found))


def test_detect_machine_for_a_data_folder_not_created_yet(tmp_path: Path) -> None:
    found = detect_machine(tmp_path / "not" / "yet" / "pg")
    assert found.storage == detect_machine(tmp_path).storage


def _mountinfo(*mounts: tuple[Path, str, str, str]) -> str:
    return "\n".join(
        f"{30 + i} 1 0:{40 + i} {root} {point} rw,relatime shared:{i} - {fs} cgroup rw,{options}"
        for i, (point, root, fs, options) in enumerate(mounts)
    )


def test_cgroup_v2_limits_include_ancestors(tmp_path: Path) -> None:
    leaf = tmp_path / "system.slice" / "pressroom.service"
    leaf.mkdir(parents=True)
    (leaf / "memory.max").write_text("max\n")
    (leaf / "cpu.max").write_text("150000 100000\n")
    (tmp_path / "system.slice" / "memory.max").write_text(f"{2 * GB}\n")
    (tmp_path / "system.slice" / "cpu.max").write_text("max 100000\n")
    mountinfo = _mountinfo((tmp_path, "/", "cgroup2", "nsdelegate"))
    proc_cgroup = "0::/system.slice/pressroom.service\n"
    assert machine_module._cgroup_memory_limit(mountinfo, proc_cgroup) == 2 * GB
    assert machine_module._cgroup_cpu_quota(mountinfo, proc_cgroup) == 1.5


def test_cgroup_v1_limits(tmp_path: Path) -> None:
    memory = tmp_path / "memory"
    cpu = tmp_path / "cpu,cpuacct"
    (memory / "docker" / "abc").mkdir(parents=True)
    (cpu / "docker" / "abc").mkdir(parents=True)
    (memory / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (memory / "docker" / "abc" / "memory.limit_in_bytes").write_text(f"{512 * MB}\n")
    (cpu / "docker" / "abc" / "cpu.cfs_quota_us").write_text("200000\n")
    (cpu / "docker" / "abc" / "cpu.cfs_period_us").write_text("100000\n")
    (cpu / "cpu.cfs_quota_us").write_text("-1\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    mountinfo = _mountinfo(
        (memory, "/", "cgroup", "memory"),
        (cpu, "/", "cgroup", "cpu,cpuacct"),
        (tmp_path / "unified", "/", "cgroup2", "nsdelegate"),
    )
    proc_cgroup = "5:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"
    assert machine_module._cgroup_memory_limit(mountinfo, proc_cgroup) == 512 * MB
    assert machine_module._cgroup_cpu_quota(mountinfo, proc_cgroup) == 2.0


def test_cgroup_subtree_bind_mount(tmp_path: Path) -> None:
    # Older Docker mounts only the container's own subtree, whose root is our cgroup path.
    (tmp_path / "memory.max").write_text(f"{3 * GB}\n")
    mountinfo = _mountinfo((tmp_path, "/docker/abc", "cgroup2", "rw"))
    assert machine_module._cgroup_memory_limit(mountinfo, "0::/docker/abc\n") == 3 * GB


def test_no_cgroup_information_means_no_limit() -> None:
    assert machine_module._cgroup_memory_limit(None, None) is None
    assert machine_module._cgroup_cpu_quota("", "0::/\n") is None


def _block_device(sys_root: Path, number: str, disk: str, rotational: str, driver: str) -> Path:
    disk_dir = sys_root / "devices" / "pci0" / "block" / disk
    (disk_dir / "queue").mkdir(parents=True)
    (disk_dir / "queue" / "rotational").write_text(rotational + "\n")
    driver_dir = sys_root / "bus" / "drivers" / driver
    driver_dir.mkdir(parents=True, exist_ok=True)
    (disk_dir / "device").mkdir()
    (disk_dir / "device" / "driver").symlink_to(driver_dir)
    partition = disk_dir / f"{disk}1"
    partition.mkdir()
    (partition / "partition").write_text("1\n")
    links = sys_root / "dev" / "block"
    links.mkdir(parents=True, exist_ok=True)
    (links / number).symlink_to(disk_dir)
    major, minor = number.split(":")
    (links / f"{major}:{int(minor) + 1}").symlink_to(partition)
    return disk_dir


def test_storage_from_sysfs(tmp_path: Path) -> None:
    _block_device(tmp_path, "8:0", "sda", "1", "sd")
    _block_device(tmp_path, "259:0", "nvme0n1", "0", "nvme")
    _block_device(tmp_path, "254:0", "vda", "1", "virtio_blk")
    storage_of = machine_module._storage_of_device
    assert storage_of(8, 0, sys_root=tmp_path) == "hdd"
    assert storage_of(8, 1, sys_root=tmp_path) == "hdd"  # a partition answers for its disk
    assert storage_of(259, 1, sys_root=tmp_path) == "ssd"
    # virtio-blk cannot know what the host's disk is, so its rotational flag means nothing.
    assert storage_of(254, 0, sys_root=tmp_path) is None
    assert storage_of(7, 7, sys_root=tmp_path) is None
