"""How a bench ends when its database cannot be used: one line saying why, not a stack."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


@contextmanager
def one_line_errors(*refusals: type[Exception]) -> Iterator[None]:
    """Turn an unreachable or missing database (SQLAlchemy's ``OperationalError``), or any
    of the bench's own ``refusals``, into ``错误：…`` on standard error and exit status 1."""
    caught: tuple[type[Exception], ...] = (OperationalError, *refusals)
    try:
        yield
    except caught as err:
        reason = str(err.orig) if isinstance(err, OperationalError) else str(err)
        sys.exit(f"错误：{reason.strip().splitlines()[-1]}")
