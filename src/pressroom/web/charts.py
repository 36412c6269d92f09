"""Line charts as inline SVG, drawn on the server: no JavaScript library, nothing to download.

`render_chart` is a pure function from a `Chart` to SVG markup. Every piece of text that reaches
the markup (titles, series names, labels) is escaped here, because series names can carry user
data (a table or query name) and the result is inserted into pages unescaped.

Axes are scaled to "nice" round steps (1, 2, 2.5, 5 times a power of ten; calendar-friendly time
steps), labelled in the chart's unit the way tables show values (`1.2 GB`, `35 ms`), and each
series gets a colour from a palette that stays distinguishable for the common kinds of colour
blindness.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from html import escape

from pressroom.insights.formatting import human_bytes, human_ms, human_seconds
from pressroom.insights.model import Chart, Kind
from pressroom.insights.window import assume_utc

WIDTH = 600  # about the width a chart gets on a laptop screen: text stays near 11px
HEIGHT = 240
MARGIN_LEFT = 68
MARGIN_RIGHT = 20
MARGIN_TOP = 34
AXIS_BELOW = 30  # room for the time labels under the plot
LEGEND_ROW = 20
CHAR_WIDTH = 7.0  # approximate width of a 12px sans-serif character, to lay out the legend
Y_TICKS = 5
X_TICKS = 6
# Points are marked (with a hover title) only while there are few enough to tell apart.
MAX_MARKED_POINTS = 60
# Okabe-Ito's colour-blind-safe palette, darkened slightly to read on white and on dark grey.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#999933",
    "#882255",
)
TIME_STEPS = tuple(
    timedelta(seconds=s)
    for s in (
        1,
        5,
        15,
        30,
        60,
        300,
        900,
        1800,
        3600,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86_400,
        2 * 86_400,
        7 * 86_400,
        14 * 86_400,
        30 * 86_400,
        90 * 86_400,
        365 * 86_400,
    )
)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    """A coordinate, short: SVG needs no more than a tenth of a pixel."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_step(span: float, ticks: int = Y_TICKS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def byte_scale(value: float) -> float:
    """The binary unit (1, 1024, 1024², ...) a byte value reads in, so that ticks fall on round
    numbers of that unit (2 MB, 4 MB) instead of round decimal numbers shown in it (2.4 MB)."""
    scale = 1.0
    while abs(value) >= scale * 1024 and scale < 1024.0**5:
        scale *= 1024
    return scale


def value_ticks(low: float, high: float, unit: Kind = Kind.NUMBER) -> list[float]:
    """Tick values covering [low, high], starting at a multiple of a nice step."""
    if high <= low:
        high = low + 1
    step = nice_step(high - low)
    if unit is Kind.BYTES:
        scale = byte_scale(max(abs(low), abs(high)))
        step = nice_step((high - low) / scale) * scale
    start = math.floor(low / step) * step
    ticks: list[float] = []
    tick = start
    while tick < high + step * 0.5 and len(ticks) < 20:
        ticks.append(round(tick, 10))
        tick += step
    if ticks[-1] < high:
        ticks.append(round(tick, 10))
    return ticks


def compact_number(value: float) -> str:
    magnitude = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.3g}"


def axis_label(value: float, unit: Kind) -> str:
    """A tick label in the chart's unit, as short as it can be and still exact enough."""
    if unit is Kind.BYTES:
        return human_bytes(value)
    if unit is Kind.MS:
        return human_ms(value) if value else "0"
    if unit is Kind.SECONDS:
        return human_seconds(value) if value else "0"
    if unit is Kind.PERCENT:
        return f"{value:.3g}%"
    return compact_number(value)


def time_ticks(start: datetime, end: datetime) -> tuple[list[datetime], timedelta]:
    """Round moments between start and end, at most about X_TICKS of them."""
    span = end - start
    step = next((s for s in TIME_STEPS if span / s <= X_TICKS), TIME_STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    seconds = step.total_seconds()
    first = epoch + timedelta(
        seconds=math.ceil((start - epoch).total_seconds() / seconds) * seconds
    )
    ticks: list[datetime] = []
    tick = first
    while tick <= end and len(ticks) <= X_TICKS * 2:
        ticks.append(tick)
        tick += step
    if len(ticks) < 2:
        # A span too short for two round moments (snapshots seconds apart): label its ends.
        return [start, end], min(step, max(span, timedelta(seconds=1)))
    return ticks, step


def time_label(moment: datetime, step: timedelta, first: bool) -> str:
    moment = moment.astimezone(UTC)
    if step >= timedelta(days=1):
        return moment.strftime("%b %d")
    if step < timedelta(minutes=1):
        return moment.strftime("%H:%M:%S")
    # The date is worth its room on the first tick and where a day begins.
    if first or (moment.hour == 0 and moment.minute == 0):
        return moment.strftime("%b %d %H:%M")
    return moment.strftime("%H:%M")


def _legend_rows(names: list[str], width: float) -> list[list[tuple[int, str, float]]]:
    """Series names flowed into rows that fit the width: (series index, name, x offset)."""
    rows: list[list[tuple[int, str, float]]] = [[]]
    x = 0.0
    for index, name in enumerate(names):
        shown = name if len(name) <= 48 else name[:47] + "…"
        item = 22 + len(shown) * CHAR_WIDTH + 18
        if rows[-1] and x + item > width:
            rows.append([])
            x = 0.0
        rows[-1].append((index, shown, x))
        x += item
    return rows


def render_chart(chart: Chart, *, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart as a standalone <svg> element, every text escaped."""
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    series = [
        (s.name, [(assume_utc(t), v) for t, v in s.points if math.isfinite(v)])
        for s in chart.series
    ]
    legend = _legend_rows([name for name, _ in series], plot_width) if series else []
    plot_top = MARGIN_TOP
    plot_height = height - MARGIN_TOP - AXIS_BELOW
    total_height = height + len(legend) * LEGEND_ROW + (6 if legend else 0)
    plot_bottom = plot_top + plot_height
    title = escape(chart.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {total_height}" width="{width}" height="{total_height}" '
        f'aria-label="{_attr(chart.title)}">',
        f"<title>{title}</title>",
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="20">{title}</text>',
    ]
    points = [p for _, pts in series for p in pts]
    if not points:
        parts += [
            f'<rect class="plot" x="{MARGIN_LEFT}" y="{plot_top}" width="{plot_width}" '
            f'height="{plot_height}"/>',
            f'<text class="empty" x="{_num(MARGIN_LEFT + plot_width / 2)}" '
            f'y="{_num(plot_top + plot_height / 2)}" text-anchor="middle">'
            "no data in this window yet: snapshots fill it over time</text>",
            "</svg>",
        ]
        return "".join(parts)

    t_min = min(t for t, _ in points)
    t_max = max(t for t, _ in points)
    if t_max == t_min:
        t_min -= timedelta(minutes=30)
        t_max += timedelta(minutes=30)
    v_low = min(0.0, min(v for _, v in points))
    v_high = max(v for _, v in points)
    if v_high <= v_low:
        v_high = v_low + 1
    y_ticks = value_ticks(v_low, v_high, chart.unit)
    y_min, y_max = y_ticks[0], y_ticks[-1]
    t_span = (t_max - t_min).total_seconds()

    def x_of(moment: datetime) -> float:
        return MARGIN_LEFT + (moment - t_min).total_seconds() / t_span * plot_width

    def y_of(value: float) -> float:
        return plot_bottom - (value - y_min) / (y_max - y_min) * plot_height

    parts.append(
        f'<rect class="plot" x="{MARGIN_LEFT}" y="{plot_top}" width="{plot_width}" '
        f'height="{plot_height}"/>'
    )
    for tick in y_ticks:
        y = _num(y_of(tick))
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_width}" '
            f'y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(axis_label(tick, chart.unit))}</text>'
        )
    ticks, step = time_ticks(t_min, t_max)
    labelled: set[str] = set()
    for index, moment in enumerate(ticks):
        label = time_label(moment, step, index == 0)
        if label in labelled:  # a span of a second or less: one label says it all
            continue
        labelled.add(label)
        x = x_of(moment)
        # Labels at the plot's ends grow inwards, so they are not cut off by the edge.
        anchor = "middle"
        if x - MARGIN_LEFT < 40:
            anchor = "start" if x - MARGIN_LEFT < 1 else "middle"
        if MARGIN_LEFT + plot_width - x < 40:
            anchor = "end"
        parts.append(
            f'<line class="tick-mark" x1="{_num(x)}" x2="{_num(x)}" y1="{plot_bottom}" '
            f'y2="{plot_bottom + 4}"/>'
            f'<text class="tick" x="{_num(x)}" y="{plot_bottom + 18}" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_width}" '
        f'y1="{plot_bottom}" y2="{plot_bottom}"/>'
        f'<line class="axis" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT}" y1="{plot_top}" '
        f'y2="{plot_bottom}"/>'
    )

    for index, (name, pts) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        ordered = sorted(pts, key=lambda p: p[0])
        parts.append(f'<g class="series" data-series="{_attr(name)}">')
        if len(ordered) > 1:
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{_num(x_of(t))},{_num(y_of(v))}"
                for i, (t, v) in enumerate(ordered)
            )
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        if len(ordered) <= MAX_MARKED_POINTS:
            for t, v in ordered:
                label = (
                    f"{name}: {axis_label(v, chart.unit)} at "
                    f"{t.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}"
                )
                parts.append(
                    f'<circle cx="{_num(x_of(t))}" cy="{_num(y_of(v))}" r="3" '
                    f'fill="{colour}"><title>{escape(label)}</title></circle>'
                )
        parts.append("</g>")

    for row_index, row in enumerate(legend):
        legend_y = height + 6 + row_index * LEGEND_ROW
        for index, shown, offset in row:
            colour = PALETTE[index % len(PALETTE)]
            legend_x = MARGIN_LEFT + offset
            parts.append(
                f'<g class="legend-item"><line x1="{_num(legend_x)}" x2="{_num(legend_x + 16)}" '
                f'y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="3"/>'
                f'<text class="legend" x="{_num(legend_x + 22)}" y="{legend_y}" '
                f'dominant-baseline="middle">{escape(shown)}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)
