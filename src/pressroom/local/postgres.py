"""The local PostgreSQL cluster: create it once, start, stop, and say what state it is in.

The cluster is pressroom's alone: it lives in the data folder, listens on 127.0.0.1 and a Unix
socket in the data folder, and every role logs in with a SCRAM password. initdb runs in a
side folder that is renamed into place only when the cluster is complete, so a crash during
creation leaves nothing that the next `up` would mistake for a cluster.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pressroom.db.roles import ADMIN_ROLE
from pressroom.errors import StackError
from pressroom.local.binaries import PostgresBinaries
from pressroom.local.layout import Layout
from pressroom.local.processes import RunAs, clear_stale_pid_file, process_is
from pressroom.local.secrets import write_private
from pressroom.local.tuning import TunedSetting, render_conf

STACK_CONF = "pressroom.conf"
TUNING_CONF = "pressroom-tuning.conf"
START_TIMEOUT_S = 120

HBA = """\
# Written by pressroom. Loopback and the Unix socket only, and always a SCRAM password:
# there is no trust authentication, even for the local administrator.
# TYPE  DATABASE     USER  ADDRESS       METHOD
local   all          all                 scram-sha-256
host    all          all   127.0.0.1/32  scram-sha-256
host    all          all   ::1/128       scram-sha-256
local   replication  all                 scram-sha-256
host    replication  all   127.0.0.1/32  scram-sha-256
host    replication  all   ::1/128       scram-sha-256
"""


class ClusterState(Enum):
    ABSENT = "absent"
    STOPPED = "stopped"
    RUNNING = "running"


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    state: ClusterState
    data_dir: Path
    pid: int | None = None
    port: int | None = None


def _conf_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def stack_conf(layout: Layout, port: int, archive: bool) -> str:
    lines = [
        "# Written by pressroom at every start: change these through pressroom's settings.",
        "listen_addresses = '127.0.0.1'",
        f"port = {port}",
        f"unix_socket_directories = {_conf_string(str(layout.pg_socket_dir))}",
        "password_encryption = 'scram-sha-256'",
        "cluster_name = 'pressroom'",
        # Archiving needs a restart to switch on but only a reload to point elsewhere, so it is
        # on from the first start: backups and point-in-time recovery need no downtime later.
        f"archive_mode = {'on' if archive else 'off'}",
    ]
    if archive:
        target = shlex.quote(str(layout.wal_archive))
        # A segment already archived with the same content counts as done: after a crash
        # between the copy and PostgreSQL noting it, a plain "test ! -f" would fail forever.
        command = (
            f"if [ -f {target}/%f ]; then cmp -s %p {target}/%f; "
            f"else cp %p {target}/%f.tmp && mv {target}/%f.tmp {target}/%f; fi"
        )
        lines.append(f"archive_command = {_conf_string(command)}")
    return "\n".join(lines) + "\n"


class LocalPostgres:
    def __init__(self, layout: Layout, binaries: PostgresBinaries, run_as: RunAs) -> None:
        self.layout = layout
        self.binaries = binaries
        self.run_as = run_as

    # -- inspection ------------------------------------------------------------------------------
    def check_data_dir(self) -> None:
        """Refuse, without touching anything, a data folder we cannot safely use."""
        data = self.layout.pg_data
        if not data.exists():
            return
        version_file = data / "PG_VERSION"
        if not version_file.is_file() or not (data / "global" / "pg_control").is_file():
            raise StackError(
                f"{data} exists but is not a complete PostgreSQL data folder (no PG_VERSION or "
                "global/pg_control). Nothing was changed: move it away, or restore it from a "
                "backup, then run `pressroom up` again."
            )
        major = version_file.read_text().strip()
        if major != str(self.binaries.major):
            raise StackError(
                f"{data} was created by PostgreSQL {major}, but the binaries found are "
                f"PostgreSQL {self.binaries.major} ({self.binaries.bin_dir}). Nothing was "
                f"changed: upgrade it with pg_upgrade, install PostgreSQL {major} and set "
                "PRESSROOM_PG_BIN_DIR, or point PRESSROOM_DATA_DIR at another folder."
            )

    def status(self) -> ClusterStatus:
        data = self.layout.pg_data
        if not (data / "PG_VERSION").is_file():
            return ClusterStatus(ClusterState.ABSENT, data)
        pid_file = data / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return ClusterStatus(ClusterState.STOPPED, data)
        if not process_is(pid, "postgres"):
            return ClusterStatus(ClusterState.STOPPED, data)
        return ClusterStatus(ClusterState.RUNNING, data, pid, port)

    # -- creation ----------------------------------------------------------------------------------
    def create(self, admin_password: str, tuning: Sequence[TunedSetting]) -> None:
        staging = self.layout.pg_data_in_progress
        if staging.exists():
            # Only an interrupted `up` writes this folder, and it never held a usable cluster.
            shutil.rmtree(staging)
        self.layout.run_dir.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o700)
        pwfile = self.layout.run_dir / "initdb-password"
        write_private(pwfile, admin_password + "\n")
        self.run_as.own(staging, pwfile)
        if not self.run_as.can_reach(staging):
            raise StackError(
                f"the service user {self.run_as.user!r} cannot enter {staging}: give it execute "
                "permission on every parent folder, or set PRESSROOM_DATA_DIR to a folder it "
                "can reach (for example under /var/lib or /srv)"
            )
        try:
            self.run_as.run(
                [
                    self.binaries.tool("initdb"),
                    f"--pgdata={staging}",
                    f"--username={ADMIN_ROLE}",
                    f"--pwfile={pwfile}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--data-checksums",
                ],
                timeout=300,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        (staging / "pg_hba.conf").write_text(HBA)
        with (staging / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# pressroom\ninclude = '{TUNING_CONF}'\ninclude = '{STACK_CONF}'\n")
        (staging / TUNING_CONF).write_text(render_conf(tuning))
        (staging / STACK_CONF).write_text("")
        self.run_as.own(staging)
        staging.rename(self.layout.pg_data)

    # -- lifecycle -------------------------------------------------------------------------------------
    def write_config(self, port: int, archive: bool, tuning: Sequence[TunedSetting]) -> None:
        data = self.layout.pg_data
        (data / STACK_CONF).write_text(stack_conf(self.layout, port, archive))
        (data / TUNING_CONF).write_text(render_conf(tuning))
        self.run_as.own(data / STACK_CONF, data / TUNING_CONF)

    def start(self, port: int) -> None:
        layout = self.layout
        for folder in (layout.pg_socket_dir, layout.wal_archive, layout.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.run_as.own(layout.pg_socket_dir, layout.wal_archive)
        layout.pg_socket_dir.chmod(0o755)
        clear_stale_pid_file(layout.pg_data / "postmaster.pid", "postgres")
        for lock in layout.pg_socket_dir.glob(".s.PGSQL.*.lock"):
            clear_stale_pid_file(lock, "postgres")
        log_file = layout.log_dir / "postgres.log"
        log_file.touch()
        self.run_as.own(log_file)
        result = self.run_as.run(
            [
                self.binaries.tool("pg_ctl"),
                "start",
                f"--pgdata={layout.pg_data}",
                f"--log={log_file}",
                "--wait",
                f"--timeout={START_TIMEOUT_S}",
            ],
            check=False,
            timeout=START_TIMEOUT_S + 30,
        )
        if result.returncode != 0:
            raise StackError(
                f"PostgreSQL did not start on port {port}. The end of {log_file}:\n"
                + _tail(log_file)
            )

    def stop(self) -> bool:
        """Stop the cluster if it runs; returns whether it was running."""
        if self.status().state is not ClusterState.RUNNING:
            return False
        self.run_as.run(
            [
                self.binaries.tool("pg_ctl"),
                "stop",
                f"--pgdata={self.layout.pg_data}",
                "--mode=fast",
                "--wait",
                "--timeout=120",
            ],
            timeout=150,
        )
        return True


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
