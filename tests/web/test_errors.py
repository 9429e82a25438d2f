"""The web edge maps each domain error to its own status, once."""

from __future__ import annotations

import pytest

from storage.errors import (
    Conflict,
    DomainError,
    Forbidden,
    ImportRefused,
    InvalidInput,
    Locked,
    NotFound,
)
from web.errors import status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("x"), 400),
        (ImportRefused(3, "x"), 400),
        (Forbidden("x"), 403),
        (NotFound("x"), 404),
        (Conflict("x"), 409),
        (Locked("x"), 423),
        (DomainError("x"), 400),
    ],
)
def test_each_domain_error_has_its_status(error: DomainError, status: int) -> None:
    assert status_of(error) == status


def test_a_new_subclass_takes_its_parents_status() -> None:
    class MonthClosed(Locked):
        pass

    assert status_of(MonthClosed("x")) == 423
