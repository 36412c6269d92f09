"""The ports the running stack actually uses, which may differ from the configured ones."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StackState:
    pg_port: int | None = None
    redis_port: int | None = None
    api_port: int | None = None
    dashboard_port: int | None = None
    # The sample corpus: the size a load was started for, and whether it finished, so that an
    # interrupted load is resumed rather than left half done.
    sample_target: int | None = None
    sample_done: bool = False

    def with_port(self, service: str, port: int | None) -> StackState:
        ports: dict[str, object] = {f"{service}_port": port}
        return replace(self, **ports)  # type: ignore[arg-type]

    def with_sample(self, target: int | None, done: bool) -> StackState:
        return replace(self, sample_target=target, sample_done=done)


def read_state(path: Path) -> StackState:
    try:
        raw = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return StackState()
    return StackState(**{k: v for k, v in raw.items() if k in StackState.__dataclass_fields__})


def write_state(path: Path, state: StackState) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
    tmp.replace(path)
