"""What every command shares: settings loading with readable errors, the console, exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from pressroom.config import Settings, load_settings
from pressroom.errors import PressroomError

# soft_wrap: messages are not broken at the terminal width, so they stay greppable in logs.
console = Console(stderr=True, soft_wrap=True)
P = ParamSpec("P")
R = TypeVar("R")


def describe_validation_error(error: ValidationError) -> str:
    """One line per bad setting, naming the environment variable a person would set."""
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"])
        where = f"PRESSROOM_{field.upper()}" if field else "settings"
        lines.append(f"invalid setting {where} ({field}): {problem['msg']}")
    return "\n".join(lines)


def settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        console.print(f"[red]{describe_validation_error(exc)}[/red]", highlight=False)
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Show a PressroomError as its message, without a traceback, and exit with 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PressroomError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def step(message: str) -> Iterator[None]:
    with console.status(message):
        yield
