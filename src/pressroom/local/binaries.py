"""Finding the PostgreSQL and Redis server binaries, and installing them from the OS packages.

Nothing is downloaded from anywhere but the distribution's package repositories: when running as
root on Debian/Ubuntu the packages are installed with apt-get; otherwise the error names them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import MissingBinariesError

MIN_POSTGRES_MAJOR = 15
POSTGRES_ROOT = Path("/usr/lib/postgresql")
# Debian's postgresql-common creates and starts a "main" cluster when the server is installed;
# pressroom owns its own cluster, so it switches that off before installing.
CREATECLUSTER_CONF = Path("/etc/postgresql-common/createcluster.d/pressroom.conf")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
POLICY_MARKER = "written by pressroom while installing packages; safe to delete"


@dataclass(frozen=True, slots=True)
class PostgresBinaries:
    bin_dir: Path
    major: int
    version: str
    has_hypopg: bool

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)


@dataclass(frozen=True, slots=True)
class RedisBinaries:
    server: Path
    version: str


def _postgres_version(bin_dir: Path) -> tuple[int, str] | None:
    postgres = bin_dir / "postgres"
    if not (
        postgres.is_file() and (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file()
    ):
        return None
    out = subprocess.run([str(postgres), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.(\d+))?", out.stdout)
    if out.returncode != 0 or match is None:
        return None
    return int(match.group(1)), out.stdout.strip().split(") ", 1)[-1]


def _candidate_bin_dirs(explicit: Path | None) -> Iterator[Path]:
    if explicit is not None:
        yield explicit
        return
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            yield Path(out.stdout.strip())
    if POSTGRES_ROOT.is_dir():
        versions = sorted(
            (p for p in POSTGRES_ROOT.iterdir() if p.name.isdigit()),
            key=lambda p: int(p.name),
            reverse=True,
        )
        for version_dir in versions:
            yield version_dir / "bin"


def _has_contrib(bin_dir: Path) -> tuple[bool, bool]:
    """Whether pg_stat_statements (contrib) and hypopg are installed for these binaries."""
    pg_config = bin_dir / "pg_config"
    if pg_config.is_file():
        out = subprocess.run(
            [str(pg_config), "--pkglibdir"], capture_output=True, text=True, check=False
        )
        lib_dir = Path(out.stdout.strip())
    else:
        lib_dir = bin_dir.parent / "lib"
    return (lib_dir / "pg_stat_statements.so").is_file(), (lib_dir / "hypopg.so").is_file()


def find_postgres(explicit: Path | None = None) -> PostgresBinaries | None:
    for bin_dir in _candidate_bin_dirs(explicit):
        found = _postgres_version(bin_dir)
        if found is None or found[0] < MIN_POSTGRES_MAJOR:
            continue
        contrib, hypopg = _has_contrib(bin_dir)
        if contrib:
            return PostgresBinaries(bin_dir, found[0], found[1], hypopg)
    return None


def find_redis() -> RedisBinaries | None:
    server = shutil.which("redis-server")
    if server is None:
        return None
    out = subprocess.run([server, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"v=(\S+)", out.stdout)
    return RedisBinaries(Path(server), match.group(1) if match else "unknown")


def _is_root() -> bool:
    return os.geteuid() == 0


@contextmanager
def _services_not_started() -> Iterator[None]:
    """Stop Debian maintainer scripts from starting the packages' own services during install."""
    # A file with our marker is a leftover of an install that was killed: ours to replace.
    if POLICY_RC_D.exists() and POLICY_MARKER not in POLICY_RC_D.read_text(errors="replace"):
        yield
        return
    POLICY_RC_D.write_text(f"#!/bin/sh\n# {POLICY_MARKER}\nexit 101\n")
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)


def ensure_command(command: str, package: str) -> str:
    """The path of a command, installing its OS package first when running as root."""
    found = shutil.which(command)
    if found:
        return found
    if os.geteuid() != 0:
        raise MissingBinariesError(
            f"{command} is not installed: install the package {package} (apt-get install {package})"
        )
    apt_install([package])
    found = shutil.which(command)
    if not found:
        raise MissingBinariesError(f"installed {package} but cannot find {command} on PATH")
    return found


def apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    CREATECLUSTER_CONF.parent.mkdir(parents=True, exist_ok=True)
    if not CREATECLUSTER_CONF.exists():
        CREATECLUSTER_CONF.write_text(
            "# pressroom creates its own clusters\ncreate_main_cluster = false\n"
        )
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    quiet = {"env": env, "check": False, "capture_output": True, "text": True}
    with _services_not_started():
        result = subprocess.run(install, **quiet)  # type: ignore[call-overload]
        if result.returncode != 0:
            # The package lists may be missing or stale on a fresh machine: refresh, retry.
            subprocess.run(["apt-get", "update", "-q"], **quiet)  # type: ignore[call-overload]
            result = subprocess.run(install, **quiet)  # type: ignore[call-overload]
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise MissingBinariesError(
            f"apt-get could not install {' '.join(packages)} (exit {result.returncode}):\n"
            f"{tail}\nInstall them by hand and run the command again."
        )


def postgres_packages(major: int | None = None) -> list[str]:
    if major is None:
        # The distribution's default server (15 on Debian 12); contrib ships inside it since 10.
        return ["postgresql", "postgresql-contrib"]
    return [f"postgresql-{major}", f"postgresql-{major}-hypopg"]


def ensure_postgres(explicit: Path | None, install: bool) -> PostgresBinaries:
    found = find_postgres(explicit)
    if found is None:
        packages = postgres_packages()
        if not (install and _is_root() and shutil.which("apt-get")):
            raise MissingBinariesError(
                f"PostgreSQL {MIN_POSTGRES_MAJOR}+ server binaries with contrib were not found. "
                f"Install the packages: {' '.join(packages)} (for example "
                f"`sudo apt-get install {' '.join(packages)}`), or set PRESSROOM_PG_BIN_DIR."
            )
        apt_install(packages)
        found = find_postgres(explicit)
        if found is None:
            raise MissingBinariesError(f"installed {' '.join(packages)} but found no server")
    if not found.has_hypopg and install and _is_root() and shutil.which("apt-get"):
        # HypoPG lets the index advisor test indexes without building them; it is optional, so a
        # failed install is reported by `pressroom status` rather than stopping the stack.
        try:
            apt_install([f"postgresql-{found.major}-hypopg"])
        except MissingBinariesError:
            return found
        found = find_postgres(found.bin_dir) or found
    return found


def ensure_redis(install: bool) -> RedisBinaries:
    found = find_redis()
    if found is not None:
        return found
    if not (install and _is_root() and shutil.which("apt-get")):
        raise MissingBinariesError(
            "redis-server was not found. Install the package: redis-server "
            "(for example `sudo apt-get install redis-server`)."
        )
    apt_install(["redis-server"])
    found = find_redis()
    if found is None:
        raise MissingBinariesError("installed redis-server but cannot find the binary on PATH")
    return found
