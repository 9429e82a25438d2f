"""The domain error family: what a service, a parser or a rule check refuses, and why.

This module sits at the bottom of the domain (it imports nothing): storage services,
pure parsers and matchers all raise these. Each edge maps them once, by class: the chat
replies with the message, the web answers with a status (``web/errors.py``), the CLI
prints one line and exits 2 (``bot/commands/support.py``).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every domain error; ``str(err)`` is a short Chinese message for the user."""


class InvalidInput(DomainError):
    """The input is malformed; the message says what is wrong and what is right."""


class ImportRefused(InvalidInput):
    """A file was refused whole; ``line`` is its 1-based line number (header = 1)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"第 {line} 行：{reason}")
        self.line = line
        self.reason = reason


class Forbidden(DomainError):
    """The actor may not do this (another counsel's entry, another county's data)."""


class NotFound(DomainError):
    """The thing named does not exist."""


class Conflict(DomainError):
    """The change contradicts what is stored or a programme rule."""


class Locked(DomainError):
    """The month is closed; its entries cannot change without the right."""


class Unauthenticated(DomainError):
    """No valid login or token: who is asking is not known."""


class Throttled(DomainError):
    """Too many failed tries: the next one is taken after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseURLError(ValueError):
    """The database URL names a backend we do not support."""


class SchemaNotCurrent(RuntimeError):
    """The database is missing or behind the code's migrations (an operator's error)."""
