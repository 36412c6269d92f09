"""Errors that carry a message meant for the person running pressroom.

The CLI prints these without a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PressroomError(Exception):
    """Base of every error whose message is written for the user."""


class StackError(PressroomError):
    """The local stack cannot be created, started or stopped as asked."""


class MissingBinariesError(StackError):
    """PostgreSQL or Redis server binaries are not installed."""


class DatabaseUnavailableError(PressroomError):
    """The database cannot be reached within the configured time."""
