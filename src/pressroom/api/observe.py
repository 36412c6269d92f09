"""Request metrics as plain ASGI middleware (not BaseHTTPMiddleware, which buffers and breaks
streaming): count and time every request by method, route template and status."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pressroom.metrics import Metrics


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Labelled children by (method, route template, status), a bounded set: labels() takes
        # a lock and checks its arguments on every call, twice per request.
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            # The template, not the path: /articles/{article_id}, so labels stay few.
            template = getattr(route, "path", "unmatched")
            labels = (scope["method"], template, str(status))
            children = self._children.get(labels)
            if children is None:
                metrics = self.metrics
                children = (
                    metrics.requests.labels(*labels),
                    metrics.request_seconds.labels(*labels),
                )
                self._children[labels] = children
            children[0].inc()
            children[1].observe(time.perf_counter() - started)
