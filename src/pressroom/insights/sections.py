"""Every section of the doctor in display order, and the overview that runs them all.

The CLI and the dashboard both look sections up here; adding a section means adding one line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from pressroom.errors import PressroomError
from pressroom.insights import (
    activity,
    advisor,
    indexes,
    maintenance,
    queries,
    replication,
    settings_check,
    space,
)
from pressroom.insights.model import (
    Column,
    Finding,
    Kind,
    Options,
    Section,
    Status,
    Table,
    worst_first,
)
from pressroom.insights.plans import safe_message
from pressroom.insights.target import Target

log = logging.getLogger(__name__)

Inspect = Callable[[Target, Options], Awaitable[Section]]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    name: str
    title: str
    inspect: Inspect
    summary: str


def _spec(module: object, summary: str) -> SectionSpec:
    return SectionSpec(
        module.NAME,  # type: ignore[attr-defined]
        module.TITLE,  # type: ignore[attr-defined]
        module.inspect,  # type: ignore[attr-defined]
        summary,
    )


SECTIONS: dict[str, SectionSpec] = {
    spec.name: spec
    for spec in (
        _spec(queries, "top statements by time, calls, rows and reads, over any window"),
        _spec(indexes, "usage, unused, duplicate, invalid and bloated indexes"),
        _spec(advisor, "indexes that would halve the top statements' cost, checked with HypoPG"),
        _spec(space, "table and index sizes, growth, bloat, partitions"),
        _spec(activity, "connections, long and idle-in-transaction sessions, blocking chains"),
        _spec(maintenance, "vacuum and analyze, dead tuples, wraparound, sequences"),
        _spec(replication, "replicas and their lag, replication slots, WAL archiving"),
        _spec(settings_check, "settings against those recommended for the machine"),
    )
}
OVERVIEW = "overview"


class UnknownSectionError(PressroomError):
    pass


async def run_section(target: Target, name: str, options: Options) -> Section:
    spec = SECTIONS.get(name)
    if spec is None:
        raise UnknownSectionError(
            f"there is no section {name!r}; the sections are: {', '.join([OVERVIEW, *SECTIONS])}"
        )
    return await spec.inspect(target, options)


async def _inspect_or_explain(target: Target, spec: SectionSpec, options: Options) -> Section:
    """The section, or one finding saying why it could not be inspected: one unreadable view
    (a privilege missing on a managed service, say), or a bug in one check, must not hide every
    other check."""
    advice = (
        "Connect as a superuser, or as a role granted pg_monitor, to see this section "
        "(GRANT pg_monitor TO <role>)."
    )
    try:
        return await spec.inspect(target, options)
    except (asyncpg.PostgresError, PressroomError) as exc:
        if isinstance(exc, asyncpg.PostgresError):
            log.warning("section %s failed: %s", spec.name, exc.sqlstate)
        reason = safe_message(exc)
    except Exception:  # a bug of ours: logged in full, shown without details
        log.exception("section %s failed", spec.name)
        reason = "an internal error stopped this section; the server's log has the details"
        advice = "Report it with the log entry; the other sections are unaffected."
    return Section(
        spec.name,
        spec.title,
        findings=[
            Finding(
                check=f"{spec.name}.inspect",
                title=f"{spec.title} could not be inspected",
                status=Status.WARN,
                detail=reason,
                advice=advice,
            )
        ],
    )


async def overview(target: Target, options: Options) -> tuple[Section, list[Section]]:
    """Every section, and a summary of their findings: failures first, then warnings."""
    sections = [await _inspect_or_explain(target, spec, options) for spec in SECTIONS.values()]
    findings = worst_first(finding for section in sections for finding in section.findings)
    summary = Table(
        "Sections",
        (
            Column("section"),
            Column("status", Kind.STATUS),
            Column("fail", Kind.NUMBER),
            Column("warn", Kind.NUMBER),
            Column("pass", Kind.NUMBER),
        ),
        [
            (
                section.title,
                section.status.value,
                *(section.count(status) for status in (Status.FAIL, Status.WARN, Status.PASS)),
            )
            for section in sections
        ],
    )
    return Section(OVERVIEW, "Overview", findings=findings, tables=[summary]), sections
