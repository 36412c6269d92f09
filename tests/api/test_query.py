"""Query strings read as one model (api/query.py) are documented as FastAPI documents its own."""

from __future__ import annotations

import inspect
import typing
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from pressroom.api.app import create_app
from pressroom.api.articles import ArticleListQuery
from pressroom.api.query import documented
from pressroom.api.search import SearchQuery, SuggestQuery


def _as_fastapi_documents(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The parameters of a route declaring `model`'s fields one by one, each with the
    annotation the model gives it (its Query() included), as FastAPI documents them."""
    hints = typing.get_type_hints(model, include_extras=True)

    async def route(**_: Any) -> None: ...

    route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=hints[name],
                default=inspect.Parameter.empty if field.is_required() else field.default,
            )
            for name, field in model.model_fields.items()
        ]
    )
    app = FastAPI()
    app.add_api_route("/route", route, methods=["GET"])
    parameters: list[dict[str, Any]] = app.openapi()["paths"]["/route"]["get"]["parameters"]
    return parameters


def test_parameters_read_as_one_model_are_documented_as_fastapi_would() -> None:
    spec = create_app().openapi()
    read_as_models = (
        ("/search", SearchQuery),
        ("/search/suggest", SuggestQuery),
        ("/articles", ArticleListQuery),
    )
    for path, model in read_as_models:
        served = spec["paths"][path]["get"]["parameters"]
        assert [p["name"] for p in documented(model)["parameters"]] == [p["name"] for p in served]
        assert served == _as_fastapi_documents(model)
