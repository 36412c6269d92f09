"""A plan as the explain page draws it: one row per node, indented as a tree, with inclusive and
exclusive time (or cost, when the statement was not run), each node's share of the whole as a
bar, the row misestimate, and the hottest nodes highlighted.

Every number comes from `ExplainResult` (the same object `pressroom doctor explain` prints), so
the page and the CLI never disagree; this only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from pressroom.insights.explain import MISESTIMATE_FACTOR, ExplainResult, PlanNode, node_details
from pressroom.insights.formatting import human_bytes, human_ms, human_number

BLOCK_BYTES = 8192  # PostgreSQL's default page size: what a shared block holds


@dataclass(frozen=True, slots=True)
class NodeView:
    depth: int
    label: str
    subplan: str | None
    details: list[str]
    inclusive: str  # time when run, else cost
    exclusive: str
    share: float  # 0..100
    rows: str
    estimated: str
    loops: str
    misestimate: str
    misestimate_title: str
    misestimated: bool
    buffers: str
    hot: bool


@dataclass(frozen=True, slots=True)
class PlanView:
    analyzed: bool
    generic: bool
    summary: list[tuple[str, str]]
    nodes: list[NodeView]


def _count(value: float | None) -> str:
    return "" if value is None else human_number(round(value))


def _misestimate(node: PlanNode) -> tuple[str, str, bool]:
    if node.misestimate is None or node.actual_rows is None:
        return "", "", False
    expected = node.estimated_rows * (node.loops or 1)
    direction = "more" if node.actual_rows > expected else "fewer"
    title = (
        f"{_count(node.actual_rows)} rows instead of the {_count(expected)} estimated: "
        f"{node.misestimate:,.1f} times {direction}"
    )
    text = f"{node.misestimate:,.0f}×" if node.misestimate >= 10 else f"{node.misestimate:.1f}×"
    return text, title, node.misestimate >= MISESTIMATE_FACTOR


def _buffers(node: PlanNode) -> str:
    if node.shared_hit is None and node.shared_read is None:
        return ""
    hit, read = node.shared_hit or 0, node.shared_read or 0
    text = f"{human_bytes(hit * BLOCK_BYTES)} hit"
    return text + (f", {human_bytes(read * BLOCK_BYTES)} read" if read else "")


def node_view(node: PlanNode, analyzed: bool) -> NodeView:
    misestimate, title, misestimated = _misestimate(node)
    if analyzed:
        inclusive = human_ms(node.inclusive_ms) if node.inclusive_ms is not None else ""
        exclusive = human_ms(node.exclusive_ms) if node.exclusive_ms is not None else ""
    else:
        inclusive, exclusive = f"{node.inclusive_cost:,.2f}", f"{node.exclusive_cost:,.2f}"
    return NodeView(
        depth=node.depth,
        label=node.label,
        subplan=node.subplan,
        details=node_details(node, index_label="index cond"),
        inclusive=inclusive,
        exclusive=exclusive,
        share=max(0.0, min(100.0, node.share_percent)),
        rows=_count(node.actual_rows),
        estimated=_count(node.estimated_rows),
        loops=_count(node.loops) if node.loops and node.loops > 1 else "",
        misestimate=misestimate,
        misestimate_title=title,
        misestimated=misestimated,
        buffers=_buffers(node),
        hot=node.hot,
    )


def plan_view(result: ExplainResult) -> PlanView:
    summary = []
    if result.planning_ms is not None:
        summary.append(("planning", human_ms(result.planning_ms)))
    if result.execution_ms is not None:
        summary.append(("execution", human_ms(result.execution_ms)))
    summary.append(("total cost", f"{result.total_cost:,.2f}"))
    return PlanView(
        result.analyzed,
        result.generic,
        summary,
        [node_view(node, result.analyzed) for node in result.nodes],
    )
