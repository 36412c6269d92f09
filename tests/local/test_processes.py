"""Pid files name a process by pid and start time, so a recycled pid is never mistaken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pressroom.db.connect import redact
from pressroom.db.scram import scram_verifier
from pressroom.local.processes import live_pid, start_time, write_pid_file


def test_a_pid_file_names_only_the_process_that_wrote_it(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pid_file = tmp_path / "api.pid"
        write_pid_file(pid_file, child.pid)
        assert live_pid(pid_file) == child.pid
        # The same pid with another start time: some other process got the number.
        pid_file.write_text(f"{child.pid} {(start_time(child.pid) or 0) + 1}\n")
        assert live_pid(pid_file) is None
        # Our own pid, as a recycled pid would look: still not the process that wrote the file.
        pid_file.write_text(f"{os.getpid()} 1\n")
        assert live_pid(pid_file) is None
    finally:
        child.kill()
        child.wait()
    write_pid_file(pid_file, child.pid)
    assert live_pid(pid_file) is None  # gone
    assert live_pid(tmp_path / "missing.pid") is None


def test_passwords_never_survive_redaction() -> None:
    for text in (
        "postgresql://u:s3cret@h/db",
        "postgresql://h/db?user=u&password=s3cret&sslmode=require",
        "host=h password=s3cret user=u",
        "host=h password='s3 cret' user=u",
        "redis://:s3cret@127.0.0.1:6379/0",
    ):
        assert "s3" not in redact(text), text


def test_scram_verifier_has_postgres_format() -> None:
    verifier = scram_verifier("pw", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
    assert verifier.count(":") == 2
    assert scram_verifier("pw") != scram_verifier("pw")  # a fresh salt each time
