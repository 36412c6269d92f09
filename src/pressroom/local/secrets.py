"""Passwords generated when the stack is first created, kept in one 0600 file.

They are random, never typed by a person, and only read by pressroom itself; the file is written
atomically so a crash cannot leave a half-written file that locks the owner out of the cluster.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from pressroom.errors import StackError


@dataclass(frozen=True, slots=True)
class StackSecrets:
    admin_password: str
    owner_password: str
    writer_password: str
    reader_password: str
    redis_password: str

    @classmethod
    def generate(cls) -> StackSecrets:
        return cls(**{name: secrets.token_urlsafe(24) for name in cls.__dataclass_fields__})


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically, and never readable by others even for
    an instant (a chmod after writing would leave a window)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def write_secrets(path: Path, values: StackSecrets) -> None:
    write_private(path, json.dumps(asdict(values), indent=2))


def read_secrets(path: Path) -> StackSecrets:
    try:
        raw = json.loads(path.read_text())
        return StackSecrets(**raw)
    except FileNotFoundError:
        raise StackError(
            f"{path} is missing: the local stack has not been created yet (run `pressroom up`)"
        ) from None
    except (ValueError, TypeError) as exc:
        raise StackError(f"{path} is damaged ({exc}); restore it or recreate the stack") from None


def load_or_create_secrets(path: Path) -> StackSecrets:
    if path.exists():
        return read_secrets(path)
    values = StackSecrets.generate()
    write_secrets(path, values)
    return values
