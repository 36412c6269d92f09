"""Detect the resources this process may actually use: memory, CPUs and storage kind.

Container limits matter more than the hardware: a cluster tuned for the host's 64GB inside a
container capped at 2GB gets OOM-killed, so cgroup limits (v1 and v2) win over what the kernel
reports for the whole machine.  Every probe degrades to a safe answer instead of raising, because
`pressroom tune` must work on laptops (macOS has no /proc or /sys) as well as in CI containers.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Machine", "Storage", "detect_machine"]

Storage = Literal["ssd", "hdd"]

_PROC_SELF = Path("/proc/self")
_SYS = Path("/sys")

# The block drivers of virtual machines cannot learn whether the host's disk spins, so the
# kernel's rotational flag on them is a driver default rather than a measurement; cloud disks
# behind them are in practice SSD or network storage with SSD-like random access.
_DRIVERS_WITHOUT_ROTATION_INFO = frozenset({"virtio_blk", "vbd"})

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True, slots=True)
class Machine:
    """What PostgreSQL on this machine can count on."""

    memory_bytes: int
    cpus: int
    storage: Storage

    def __post_init__(self) -> None:
        if self.memory_bytes <= 0:
            raise ValueError(f"memory_bytes must be positive, got {self.memory_bytes}")
        if self.cpus < 1:
            raise ValueError(f"cpus must be at least 1, got {self.cpus}")
        if self.storage not in ("ssd", "hdd"):
            raise ValueError(f"storage must be 'ssd' or 'hdd', got {self.storage!r}")


def detect_machine(data_path: Path | None = None) -> Machine:
    """Describe this machine as seen from inside any container limits.

    `data_path` is where the cluster's data lives (or will live: missing trailing components are
    fine); storage is judged from the block device holding it.  Without one, the working
    directory is used, because the local stack keeps its data under the project directory.
    """
    return Machine(
        memory_bytes=_detect_memory_bytes(),
        cpus=_detect_cpus(),
        storage=_detect_storage(data_path if data_path is not None else Path.cwd()),
    )


# --- memory -------------------------------------------------------------------------------------


def _detect_memory_bytes() -> int:
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = _cgroup_memory_limit(
        _read_text(_PROC_SELF / "mountinfo"), _read_text(_PROC_SELF / "cgroup")
    )
    return physical if limit is None else max(1, min(physical, limit))


def _cgroup_memory_limit(mountinfo: str | None, proc_cgroup: str | None) -> int | None:
    """The tightest memory limit over our cgroup and its ancestors, or None when unlimited.

    Ancestors count because a limit on a parent slice constrains every cgroup below it.
    """
    limits: list[int] = []
    for directory in _cgroup_dirs(mountinfo, proc_cgroup, controller=None):
        value = _read_text(directory / "memory.max")
        if value is not None and value != "max" and value.isdigit():
            limits.append(int(value))
    for directory in _cgroup_dirs(mountinfo, proc_cgroup, controller="memory"):
        value = _read_text(directory / "memory.limit_in_bytes")
        # v1 reports "unlimited" as a huge page-aligned number rather than a marker; taking the
        # minimum with physical memory later makes that harmless.
        if value is not None and value.isdigit():
            limits.append(int(value))
    return min(limits) if limits else None


# --- CPUs ---------------------------------------------------------------------------------------


def _detect_cpus() -> int:
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        # macOS has no affinity API; every core is usable there.
        usable = os.cpu_count() or 1
    quota = _cgroup_cpu_quota(
        _read_text(_PROC_SELF / "mountinfo"), _read_text(_PROC_SELF / "cgroup")
    )
    if quota is not None:
        # A 1.5-CPU quota still lets two processes run at once, so round up rather than down.
        usable = min(usable, math.ceil(quota))
    return max(1, usable)


def _cgroup_cpu_quota(mountinfo: str | None, proc_cgroup: str | None) -> float | None:
    """The tightest CPU bandwidth quota (in CPUs) over our cgroup and its ancestors."""
    quotas: list[float] = []
    for directory in _cgroup_dirs(mountinfo, proc_cgroup, controller=None):
        value = _read_text(directory / "cpu.max")
        if value is None:
            continue
        fields = value.split()
        if len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit() and int(fields[1]) > 0:
            quotas.append(int(fields[0]) / int(fields[1]))
    for directory in _cgroup_dirs(mountinfo, proc_cgroup, controller="cpu"):
        quota = _read_int(directory / "cpu.cfs_quota_us")
        period = _read_int(directory / "cpu.cfs_period_us")
        # v1 spells "no quota" as -1.
        if quota is not None and period is not None and quota > 0 and period > 0:
            quotas.append(quota / period)
    return min(quotas) if quotas else None


# --- cgroup plumbing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mount:
    root: str
    mount_point: Path
    fs_type: str
    source: str
    super_options: frozenset[str]


def _parse_mountinfo(mountinfo: str) -> list[_Mount]:
    mounts: list[_Mount] = []
    for line in mountinfo.splitlines():
        # Optional fields make the line variable-length; " - " separates the fixed part from
        # the filesystem part, see proc(5).
        head, sep, tail = line.partition(" - ")
        fields, fs_fields = head.split(), tail.split()
        if not sep or len(fields) < 5 or len(fs_fields) < 2:
            continue
        mounts.append(
            _Mount(
                root=_unescape(fields[3]),
                mount_point=Path(_unescape(fields[4])),
                fs_type=fs_fields[0],
                source=_unescape(fs_fields[1]),
                super_options=frozenset(fs_fields[2].split(","))
                if len(fs_fields) > 2
                else frozenset(),
            )
        )
    return mounts


def _unescape(field: str) -> str:
    # The kernel writes space, tab, newline and backslash in mount fields as octal escapes.
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def _cgroup_dirs(
    mountinfo: str | None, proc_cgroup: str | None, *, controller: str | None
) -> Iterator[Path]:
    """Our cgroup directory and each ancestor up to the mount, for v2 (controller None) or the
    v1 hierarchy that carries `controller`."""
    if mountinfo is None or proc_cgroup is None:
        return
    cgroup_path: str | None = None
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if controller is None:
            wanted = hierarchy == "0" and controllers == ""
        else:
            wanted = controller in controllers.split(",")
        if wanted:
            cgroup_path = path
    if cgroup_path is None:
        return
    for mount in _parse_mountinfo(mountinfo):
        if controller is None:
            if mount.fs_type != "cgroup2":
                continue
        elif mount.fs_type != "cgroup" or controller not in mount.super_options:
            continue
        # A bind-mounted subtree (older Docker) shows its own root; our path is then relative
        # to that root.  With a cgroup namespace both are "/" and this is a no-op.
        root = mount.root.rstrip("/")
        relative = ""
        if cgroup_path == root or cgroup_path.startswith(root + "/"):
            relative = cgroup_path[len(root) :].strip("/")
        # Outside our cgroup namespace the kernel writes paths like "/../..", which name
        # nothing under this mount; its own top is the best we can read.
        if ".." in relative.split("/"):
            relative = ""
        directory = mount.mount_point / relative if relative else mount.mount_point
        while True:
            yield directory
            if directory == mount.mount_point or mount.mount_point not in directory.parents:
                break
            directory = directory.parent


# --- storage ------------------------------------------------------------------------------------


def _detect_storage(path: Path) -> Storage:
    device = _device_of(path)
    if device is None:
        return "ssd"
    kind = _storage_of_device(*device, sys_root=_SYS)
    return "ssd" if kind is None else kind


def _device_of(path: Path) -> tuple[int, int] | None:
    """(major, minor) of the block device holding `path`, or None when it has none we can see."""
    existing = _nearest_existing(path.absolute())
    try:
        dev = existing.stat().st_dev
    except OSError:
        return None
    major, minor = os.major(dev), os.minor(dev)
    if (_SYS / "dev" / "block" / f"{major}:{minor}").exists():
        return major, minor
    # btrfs and other filesystems report an anonymous device number; the mount table still
    # names the real block device they sit on.
    mount = _mount_holding(existing.resolve(), _read_text(_PROC_SELF / "mountinfo"))
    if mount is None or not mount.source.startswith("/dev/"):
        return None
    try:
        rdev = Path(mount.source).stat().st_rdev
    except OSError:
        return None
    return (os.major(rdev), os.minor(rdev)) if rdev else None


def _nearest_existing(path: Path) -> Path:
    # The data directory usually does not exist before the first `initdb`.
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _mount_holding(path: Path, mountinfo: str | None) -> _Mount | None:
    if mountinfo is None:
        return None
    best: _Mount | None = None
    for mount in _parse_mountinfo(mountinfo):
        if mount.mount_point != path and mount.mount_point not in path.parents:
            continue
        # Later entries shadow earlier ones mounted at the same point.
        if best is None or len(mount.mount_point.parts) >= len(best.mount_point.parts):
            best = mount
    return best


def _storage_of_device(major: int, minor: int, *, sys_root: Path) -> Storage | None:
    """'ssd' or 'hdd' for a block device from sysfs, or None when sysfs cannot tell."""
    try:
        device_dir = (sys_root / "dev" / "block" / f"{major}:{minor}").resolve(strict=True)
    except OSError:
        return None
    # A partition has no queue of its own; the whole disk above it does.
    disk_dir = device_dir.parent if (device_dir / "partition").exists() else device_dir
    rotational = _read_text(disk_dir / "queue" / "rotational")
    if rotational == "0":
        return "ssd"
    if rotational != "1":
        return None
    try:
        driver = (disk_dir / "device" / "driver").resolve(strict=True).name
    except OSError:
        driver = ""
    return None if driver in _DRIVERS_WITHOUT_ROTATION_INFO else "hdd"


# --- small readers ------------------------------------------------------------------------------


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read_text(path)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None
