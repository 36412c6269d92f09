"""Pages from Jinja2 templates, with autoescaping on for everything.

Query texts, table names and even database names are user data: templates never mark anything
safe except the chart SVG, which `charts.render_chart` builds with every text escaped.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup
from starlette.responses import HTMLResponse

from pressroom import __version__
from pressroom.insights.model import Chart
from pressroom.web.charts import render_chart

STATIC_PATH = "/dashboard/static"
# Set on every response, including redirects, static files and errors (app.BaseHeaders).
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Pages show query texts and can be reached only with a key: never cached, never framed, and
# nothing loads from anywhere but the dashboard itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    **BASE_HEADERS,
    "Cache-Control": "no-store",
}


def static_url(name: str) -> str:
    # The version busts browsers' caches when an upgrade changes the stylesheet.
    return f"{STATIC_PATH}/{name}?v={__version__}"


def chart_svg(chart: Chart) -> Markup:
    return Markup(render_chart(chart))  # noqa: S704 - render_chart escapes every text itself


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pressroom.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.globals["version"] = __version__
    env.filters["chart_svg"] = chart_svg
    return env


class Renderer:
    def __init__(self) -> None:
        self.env = build_environment()

    def page(
        self,
        template: str,
        context: dict[str, Any],
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status, headers={**SECURITY_HEADERS, **(headers or {})})
