"""The API's bodies and answers as pydantic models (they are also its OpenAPI schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.models import Complaint, Counsel, ServiceLogEntry
from storage.services.console.catalog import VillageInfo


class ErrorOut(BaseModel):
    """Every error: ``{"error": "…"}`` in Chinese."""

    error: str


class VillageOut(BaseModel):
    """A village, where it lies, and who serves it today."""

    id: str
    name: str
    town: str
    county: str
    flexible: bool
    counsel_ids: list[str]

    @classmethod
    def of(cls, v: VillageInfo) -> VillageOut:
        """From the catalog's row."""
        return cls(
            id=v.id,
            name=v.name,
            town=v.town,
            county=v.county,
            flexible=v.flexible,
            counsel_ids=v.counsel_ids,
        )


class CounselOut(BaseModel):
    """A counsel's published details."""

    id: str
    name: str
    firm: str
    phone: str
    email: str
    trainee: bool

    @classmethod
    def of(cls, c: Counsel) -> CounselOut:
        """From the roster's row."""
        return cls(
            id=c.id, name=c.name, firm=c.firm, phone=c.phone, email=c.email, trainee=c.trainee
        )


class EntryOut(BaseModel):
    """A service-log entry."""

    id: int
    counsel_id: str
    village_id: str
    day: date
    kind: str
    channel: str
    minutes: int
    summary: str
    source: str
    activity: str | None
    question_id: int | None
    visit_id: int | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, e: ServiceLogEntry) -> EntryOut:
        """From the ledger's row."""
        return cls.model_validate(e.model_dump())


class EntryPage(BaseModel):
    """A page of entries, the count and the minutes of the whole filter."""

    total: int
    minutes: int
    entries: list[EntryOut]


class EntryIn(BaseModel):
    """A new entry (source ``web``)."""

    model_config = ConfigDict(extra="forbid")

    counsel_id: str = Field(max_length=64)
    village_id: str = Field(max_length=64)
    day: date
    kind: str = Field(max_length=16)
    channel: str = Field(max_length=32)
    minutes: int = Field(ge=1, le=1440)
    summary: str = Field(default="", max_length=2000)
    activity: str | None = Field(default=None, max_length=32)


class EntryPatch(BaseModel):
    """The fields of an entry to change; those left out stay."""

    model_config = ConfigDict(extra="forbid")

    village_id: str | None = Field(default=None, max_length=64)
    day: date | None = None
    kind: str | None = Field(default=None, max_length=16)
    channel: str | None = Field(default=None, max_length=32)
    minutes: int | None = Field(default=None, ge=1, le=1440)
    summary: str | None = Field(default=None, max_length=2000)
    activity: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _no_null_but_activity(self) -> EntryPatch:
        nulls = [f for f in self.model_fields_set if getattr(self, f) is None and f != "activity"]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} 不能为 null（不改就不要写这个字段）")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields given."""
        return self.model_dump(exclude_unset=True)


class ReportRowOut(BaseModel):
    """One counsel-village-month, the fields of ``vcbot report --format json``."""

    model_config = ConfigDict(extra="allow")

    counsel_id: str
    village_id: str
    month: str
    status: str


class ComplaintOut(BaseModel):
    """A complaint with the names it is read by."""

    id: int
    created_at: datetime
    county: str
    village: str
    counsel: str
    text: str
    status: str
    resolution: str
    handled_at: datetime | None

    @classmethod
    def of(cls, c: Complaint, county: str, village: str, counsel: str) -> ComplaintOut:
        """From the complaint and its names."""
        assert c.id is not None
        return cls(
            id=c.id,
            created_at=c.created_at,
            county=county,
            village=village,
            counsel=counsel,
            text=c.text,
            status=c.status,
            resolution=c.resolution,
            handled_at=c.handled_at,
        )


class Resolution(BaseModel):
    """How a complaint was handled."""

    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(min_length=1, max_length=2000)


class CallbackIn(BaseModel):
    """A phone call-back's result: confirmed (属实), disputed (不属实) or unreachable (未接通)."""

    model_config = ConfigDict(extra="forbid")

    result: Literal["confirmed", "disputed", "unreachable"]
    note: str = Field(default="", max_length=500)


class CallbackOut(BaseModel):
    """A recorded call-back."""

    id: int
    entry_id: int
    result: str
    note: str
    checked_by: str
    checked_at: datetime


class Deleted(BaseModel):
    """What a deletion removed."""

    deleted: int
