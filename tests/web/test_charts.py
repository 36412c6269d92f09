"""The SVG charts: well-formed, escaped, scaled to nice round ticks, legible in every unit."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parses our own output, never untrusted XML
from datetime import UTC, datetime, timedelta

import pytest

from pressroom.insights.model import Chart, Kind, Series
from pressroom.web.charts import (
    MARGIN_LEFT,
    MARGIN_RIGHT,
    WIDTH,
    axis_label,
    nice_step,
    render_chart,
    time_label,
    time_ticks,
    value_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def _series(name: str, values: list[float], step: timedelta = timedelta(minutes=5)) -> Series:
    return Series(name, [(START + i * step, v) for i, v in enumerate(values)])


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup


def test_a_line_chart_has_axes_ticks_a_path_per_series_and_a_legend() -> None:
    chart = Chart(
        "Table sizes",
        Kind.BYTES,
        [_series("articles", [1e6, 2e6, 4e6]), _series("events", [5e5, 5e5, 6e5])],
    )
    root = _parse(render_chart(chart))
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Table sizes"
    paths = root.findall(f".//{SVG}g[@class='series']/{SVG}path")
    assert len(paths) == 2
    assert {p.get("stroke") for p in paths} == {"#0072b2", "#e69f00"}
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "articles" in texts
    assert "events" in texts
    assert any(t and t.endswith("MB") for t in texts)  # y axis in bytes
    assert any(t and ":" in t for t in texts)  # time labels
    assert len(root.findall(f".//{SVG}line[@class='axis']")) == 2
    # Points carry a hover title with their exact value and time.
    titles = [t.text or "" for t in root.findall(f".//{SVG}circle/{SVG}title")]
    assert "articles: 3.8 MB at 2026-05-01 10:10:00 UTC" in titles


def test_every_text_is_escaped() -> None:
    evil = "<script>alert('x')</script> & \"quoted\""
    chart = Chart(evil, Kind.NUMBER, [_series(evil, [1, 2])])
    svg = render_chart(chart)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = _parse(svg)  # still well-formed
    assert root.get("aria-label") == evil
    assert root.findtext(f"{SVG}title") == evil


def test_an_empty_chart_says_so_and_still_has_a_size() -> None:
    root = _parse(render_chart(Chart("Nothing yet", Kind.MS, [Series("calls", [])])))
    assert float(root.get("width", "0")) > 0
    assert float(root.get("height", "0")) > 0
    assert "no data" in "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert root.find(f".//{SVG}path") is None


def test_a_single_point_is_drawn_as_a_dot_within_the_plot() -> None:
    root = _parse(render_chart(Chart("One", Kind.PERCENT, [_series("hit ratio", [99.5])])))
    (circle,) = root.findall(f".//{SVG}circle")
    assert MARGIN_LEFT <= float(circle.get("cx", "0")) <= WIDTH - MARGIN_RIGHT
    assert root.find(f".//{SVG}g[@class='series']/{SVG}path") is None


def test_non_finite_values_are_skipped() -> None:
    chart = Chart("Gaps", Kind.NUMBER, [_series("x", [1, float("nan"), 3, float("inf")])])
    root = _parse(render_chart(chart))
    assert len(root.findall(f".//{SVG}circle")) == 2


def test_many_series_wrap_the_legend_onto_more_rows() -> None:
    names = [f"a rather long series name number {i}" for i in range(8)]
    chart = Chart("Many", Kind.NUMBER, [_series(n, [1, 2]) for n in names])
    one = _parse(render_chart(Chart("One", Kind.NUMBER, [_series("x", [1, 2])])))
    many = _parse(render_chart(chart))
    assert float(many.get("height", "0")) > float(one.get("height", "0"))
    legend_ys = {t.get("y") for t in many.findall(f".//{SVG}text[@class='legend']")}
    assert len(legend_ys) > 1


def test_negative_values_extend_the_axis_below_zero() -> None:
    ticks = value_ticks(-3, 7)
    assert ticks[0] <= -3
    assert ticks[-1] >= 7
    assert 0 in ticks


@pytest.mark.parametrize(
    ("span", "step"), [(10, 2), (1, 0.2), (7, 2), (1000, 200), (3, 1), (0.07, 0.02)]
)
def test_nice_steps(span: float, step: float) -> None:
    assert nice_step(span) == pytest.approx(step)


def test_axis_labels_use_the_unit() -> None:
    assert axis_label(1536, Kind.BYTES) == "1.5 kB"
    assert axis_label(250, Kind.MS) == "250.0 ms"
    assert axis_label(0, Kind.MS) == "0"
    assert axis_label(7200, Kind.SECONDS) == "2 h 0 min"
    assert axis_label(99.5, Kind.PERCENT) == "99.5%"
    assert axis_label(1_250_000, Kind.NUMBER) == "1.25M"
    assert axis_label(3, Kind.NUMBER) == "3"


def test_time_ticks_are_round_and_labelled_by_span() -> None:
    ticks, step = time_ticks(START + timedelta(minutes=3), START + timedelta(hours=2))
    assert step == timedelta(minutes=30)
    assert ticks[0] == START + timedelta(minutes=30)
    assert time_label(ticks[0], step, first=True) == "May 01 10:30"
    assert time_label(ticks[1], step, first=False) == "11:00"
    week, day_step = time_ticks(START, START + timedelta(days=6))
    assert day_step == timedelta(days=2) or day_step == timedelta(days=1)
    assert time_label(week[0], day_step, first=True).startswith("May")


def test_byte_axes_step_in_round_binary_units() -> None:
    mib = 1024.0**2
    ticks = value_ticks(0, 10.2 * mib, Kind.BYTES)
    assert ticks == [i * 2.5 * mib for i in range(6)]
    assert [axis_label(t, Kind.BYTES) for t in ticks[:3]] == ["0 B", "2.5 MB", "5.0 MB"]
    assert value_ticks(0, 3500, Kind.BYTES) == [0, 1024, 2048, 3072, 4096]


def test_a_span_of_seconds_still_gets_time_labels() -> None:
    root = _parse(
        render_chart(
            Chart("Quick", Kind.NUMBER, [_series("x", [1, 2, 3], timedelta(milliseconds=300))])
        )
    )
    labels = [t.text for t in root.findall(f".//{SVG}text[@class='tick']") if t.text]
    assert labels.count("10:00:00") == 1  # both ends fall in one second: labelled once
