"""Domain errors raised by the services; the edges (chat, web, CLI) map them once."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every domain error; ``str(err)`` is a short Chinese message for the user."""


class NotFound(StorageError):
    """The thing named does not exist."""


class Conflict(StorageError):
    """The change contradicts what is stored or a programme rule."""


class Locked(StorageError):
    """The month is closed; its entries cannot change without the right."""


class InvalidInput(StorageError):
    """The input is malformed; the message says what is wrong and what is right."""


class ImportRefused(StorageError):
    """A file was refused whole; ``line`` is its 1-based line number (header = 1)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"第 {line} 行：{reason}")
        self.line = line
        self.reason = reason
