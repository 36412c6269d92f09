"""Running server processes: as an unprivileged user when we are root, and telling live pid
files from stale ones so a crash never blocks the next start."""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import StackError


@dataclass(frozen=True, slots=True)
class RunAs:
    """The OS user a server runs as; None fields mean "whoever we are"."""

    user: str | None = None
    uid: int | None = None
    gid: int | None = None
    home: str | None = None

    @classmethod
    def for_servers(cls, service_user: str) -> RunAs:
        # PostgreSQL refuses to run as root, so root hands the cluster to a service account.
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam(service_user)
        except KeyError:
            raise StackError(
                f"running as root, PostgreSQL needs an unprivileged user to run as, and the "
                f"user {service_user!r} does not exist; create it (adduser --system "
                f"{service_user}) or set PRESSROOM_SERVICE_USER"
            ) from None
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)

    def own(self, *paths: Path) -> None:
        if self.uid is None or self.gid is None:
            return
        for path in paths:
            os.chown(path, self.uid, self.gid)
            if path.is_dir():
                for child in path.rglob("*"):
                    os.chown(child, self.uid, self.gid, follow_symlinks=False)

    def run(
        self, args: Sequence[str], *, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        if self.home is not None:
            env["HOME"] = self.home
        result = subprocess.run(
            list(args),
            user=self.uid,
            group=self.gid,
            extra_groups=[] if self.uid is not None else None,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd="/",
        )
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            raise StackError(f"{Path(args[0]).name} failed (exit {result.returncode}): {detail}")
        return result

    def can_reach(self, path: Path, test: str = "-x") -> bool:
        """Whether this user can reach path (root's home, 0700, often blocks it); `test` is the
        test(1) flag to check: -x to enter or execute, -r to read."""
        if self.uid is None:
            return True
        probe = self.run(["test", test, str(path)], check=False, timeout=10)
        return probe.returncode == 0


def process_command(pid: int) -> str | None:
    """The command line of a live process, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def process_is(pid: int, program: str) -> bool:
    command = process_command(pid)
    return command is not None and program in command


def read_pid(pid_file: Path) -> int | None:
    try:
        first_line = pid_file.read_text().splitlines()[0]
        return int(first_line.strip())
    except (FileNotFoundError, IndexError, ValueError):
        return None


def start_time(pid: int) -> int | None:
    """When the process started, in clock ticks since boot: with the pid, an identity that a
    recycled pid cannot fake."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name, which is in parentheses and may itself contain spaces.
    return int(stat.rsplit(")", 1)[1].split()[19])


def write_pid_file(path: Path, pid: int) -> None:
    path.write_text(f"{pid} {start_time(pid) or 0}\n")


def live_pid(path: Path) -> int | None:
    """The pid a file written by write_pid_file names, if that very process still runs."""
    try:
        pid_text, started = path.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if start_time(pid) == int(started) else None


def clear_stale_pid_file(pid_file: Path, program: str) -> bool:
    """Remove pid_file if the process it names is gone or is some other program.

    After a crash and a reboot or container restart, the old pid may belong to an unrelated
    process, and the server would then refuse to start. Returns whether the file was removed.
    """
    pid = read_pid(pid_file)
    if pid_file.exists() and (pid is None or not process_is(pid, program)):
        pid_file.unlink(missing_ok=True)
        return True
    return False
