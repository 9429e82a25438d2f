"""The service ledger: add, edit and delete entries, with month locking and an audit trail.

Every entry names one counsel, one village and one date, so it never spans months
(rule 8). A month closes on ``quota.month_close_day`` of the next month in the
deployment's zone; after that only an actor with ``can_edit_closed`` may touch its
entries. Deletion is hard: the row goes, and the audit entry keeps its before-image
(so reports and exports never have to remember to skip deleted rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from storage.errors import Forbidden, InvalidInput, Locked, NotFound
from storage.ledger_terms import (
    ACTIVITIES,
    ACTIVITY_LABELS,
    CHANNEL_KINDS,
    CHANNEL_LABELS,
    KIND_LABELS,
    KINDS,
    MAX_MINUTES,
    MIN_MINUTES,
    SOURCES,
)
from storage.models import (
    Assignment,
    AuditEntry,
    BureauUser,
    Counsel,
    Question,
    ServiceLogEntry,
    Village,
    Visit,
)
from storage.periods import Month, close_date, is_closed, local_date

ENTITY = "service_log"
EDITABLE = frozenset(
    {"village_id", "day", "kind", "channel", "minutes", "summary", "activity"}
    | {"question_id", "visit_id"}
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a name for the audit trail, the right to touch closed months,
    and, for a counsel acting for themselves, whose entries they may touch (their own)."""

    name: str
    can_edit_closed: bool = False
    counsel_id: str | None = None

    @classmethod
    def bureau(cls, user: BureauUser) -> Actor:
        """A bureau user, with the rights of their account."""
        return cls(f"bureau:{user.username}", user.can_edit_closed)

    @classmethod
    def counsel(cls, counsel_id: str) -> Actor:
        """A counsel acting for themselves (never on closed months)."""
        return cls(f"counsel:{counsel_id}", counsel_id=counsel_id)


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """The fields of an entry before it is stored."""

    counsel_id: str
    village_id: str
    day: date
    kind: str
    channel: str
    minutes: int
    summary: str = ""
    source: str = "web"
    activity: str | None = None
    question_id: int | None = None
    visit_id: int | None = None


def check_fields(draft: EntryDraft) -> None:
    """Refuse a draft whose kind, channel, minutes, source or activity is not allowed."""
    if draft.kind not in KINDS:
        raise InvalidInput(f"kind 应为 {' 或 '.join(KINDS)}，而不是 {draft.kind!r}")
    if draft.channel not in CHANNEL_KINDS:
        raise InvalidInput(
            f"channel 应为 {', '.join(CHANNEL_KINDS)} 之一，而不是 {draft.channel!r}"
        )
    if draft.kind not in CHANNEL_KINDS[draft.channel]:
        raise InvalidInput(
            f"渠道「{CHANNEL_LABELS[draft.channel]}」({draft.channel}) 不能记为"
            f"{KIND_LABELS[draft.kind]}服务 ({draft.kind})"
        )
    if not MIN_MINUTES <= draft.minutes <= MAX_MINUTES:
        raise InvalidInput(
            f"minutes 应在 {MIN_MINUTES}..{MAX_MINUTES} 之间，而不是 {draft.minutes}"
        )
    if draft.source not in SOURCES:
        raise InvalidInput(f"source 应为 {', '.join(SOURCES)} 之一，而不是 {draft.source!r}")
    if draft.activity is not None and draft.activity not in ACTIVITIES:
        names = "、".join(f"{k}（{v}）" for k, v in ACTIVITY_LABELS.items())
        raise InvalidInput(f"activity 应为 {names} 之一，而不是 {draft.activity!r}")


async def check_assignment(
    session: AsyncSession, counsel_id: str, village_id: str, day: date
) -> None:
    """Refuse an unknown counsel or village, or a counsel not assigned there on ``day``."""
    if await session.get(Counsel, counsel_id) is None:
        raise NotFound(f"没有编号为 {counsel_id} 的律师")
    if await session.get(Village, village_id) is None:
        raise NotFound(f"没有编号为 {village_id} 的村")
    stmt = select(Assignment).where(
        Assignment.counsel_id == counsel_id,
        Assignment.village_id == village_id,
        Assignment.overlapping(day, day),
    )
    if (await session.exec(stmt)).first() is None:
        raise InvalidInput(f"律师 {counsel_id} 在 {day.isoformat()} 没有派驻村 {village_id}")


async def check_evidence(session: AsyncSession, draft: EntryDraft) -> None:
    """Refuse a link to a question or a visit that does not exist, or of another village."""
    if draft.question_id is not None:
        question = await session.get(Question, draft.question_id)
        if question is None or question.village_id != draft.village_id:
            raise NotFound(f"村 {draft.village_id} 没有编号为 {draft.question_id} 的问题")
    if draft.visit_id is not None:
        visit = await session.get(Visit, draft.visit_id)
        if visit is None or visit.village_id != draft.village_id:
            raise NotFound(f"村 {draft.village_id} 没有编号为 {draft.visit_id} 的驻村安排")


def check_actor(draft: EntryDraft, actor: Actor) -> None:
    """Refuse a counsel logging service in another counsel's name."""
    if actor.counsel_id is not None and draft.counsel_id != actor.counsel_id:
        raise Forbidden("只能记录您自己的服务")


def check_open(day: date, actor: Actor, settings: Settings, today: date) -> None:
    """Refuse a change to a closed month unless the actor has the right (issue 4)."""
    month = Month.of(day)
    if actor.can_edit_closed or not is_closed(month, settings.quota.month_close_day, today):
        return
    closed_on = close_date(month, settings.quota.month_close_day)
    raise Locked(
        f"{month.year}年{month.month}月的服务日志已于 {closed_on.month}月{closed_on.day}日 关账，"
        "不能再新增、修改或删除；如确需更正，请联系有关账修改权限的司法局工作人员。"
    )


def entry_image(entry: ServiceLogEntry) -> dict[str, Any]:
    """The entry as plain JSON values, for the audit trail."""
    return entry.model_dump(mode="json")


def audit(
    actor: Actor,
    action: str,
    entry_id: int | None,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """An audit row for one entry."""
    return AuditEntry(
        at=now,
        actor=actor.name,
        action=action,
        entity=ENTITY,
        entity_id=str(entry_id),
        before=before,
        after=after,
    )


async def add_entry(
    session: AsyncSession, draft: EntryDraft, *, actor: Actor, settings: Settings, now: datetime
) -> ServiceLogEntry:
    """Validate and store a new entry in the caller's transaction, with its audit row."""
    check_fields(draft)
    check_actor(draft, actor)
    check_open(draft.day, actor, settings, local_date(now, settings.tz))
    await check_assignment(session, draft.counsel_id, draft.village_id, draft.day)
    await check_evidence(session, draft)
    entry = ServiceLogEntry(**entry_columns(draft), created_by=actor.name, created_at=now)
    session.add(entry)
    await session.flush()
    session.add(audit(actor, "create", entry.id, now, None, entry_image(entry)))
    return entry


async def edit_entry(
    session: AsyncSession,
    entry_id: int,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> ServiceLogEntry:
    """Change some fields of an entry; both its old and its new month must be open."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    entry = await _get(session, entry_id, actor)
    before = entry_image(entry)
    draft = replace(_draft_of(entry), **changes)
    check_fields(draft)
    today = local_date(now, settings.tz)
    check_open(entry.day, actor, settings, today)
    check_open(draft.day, actor, settings, today)
    await check_assignment(session, draft.counsel_id, draft.village_id, draft.day)
    await check_evidence(session, draft)
    entry.sqlmodel_update(entry_columns(draft))
    session.add(entry)
    await session.flush()
    session.add(audit(actor, "update", entry.id, now, before, entry_image(entry)))
    return entry


async def delete_entry(
    session: AsyncSession, entry_id: int, *, actor: Actor, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Delete an entry of an open month; returns its before-image (also in the audit)."""
    entry = await _get(session, entry_id, actor)
    check_open(entry.day, actor, settings, local_date(now, settings.tz))
    before = entry_image(entry)
    await session.delete(entry)
    session.add(audit(actor, "delete", entry_id, now, before, None))
    return before


async def last_entry_by(session: AsyncSession, actor: Actor) -> ServiceLogEntry | None:
    """The entry this actor added last (for 「撤销」), whatever its month."""
    stmt = (
        select(ServiceLogEntry)
        .where(ServiceLogEntry.created_by == actor.name)
        .order_by(col(ServiceLogEntry.created_at).desc(), col(ServiceLogEntry.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def _get(session: AsyncSession, entry_id: int, actor: Actor) -> ServiceLogEntry:
    """The entry, if the actor may touch it: a counsel only their own.

    To a counsel, another's entry is as absent as a missing one, so entry numbers reveal
    nothing of other counsel's work.
    """
    entry = await session.get(ServiceLogEntry, entry_id)
    if actor.counsel_id is not None and (entry is None or entry.counsel_id != actor.counsel_id):
        raise NotFound(f"没有您的记录 #{entry_id}")
    if entry is None:
        raise NotFound(f"没有编号为 {entry_id} 的服务日志")
    return entry


def entry_columns(draft: EntryDraft) -> dict[str, Any]:
    """The stored columns of a draft (its summary stripped)."""
    return {
        "counsel_id": draft.counsel_id,
        "village_id": draft.village_id,
        "day": draft.day,
        "kind": draft.kind,
        "channel": draft.channel,
        "minutes": draft.minutes,
        "summary": draft.summary.strip(),
        "source": draft.source,
        "activity": draft.activity,
        "question_id": draft.question_id,
        "visit_id": draft.visit_id,
    }


def _draft_of(entry: ServiceLogEntry) -> EntryDraft:
    return EntryDraft(
        counsel_id=entry.counsel_id,
        village_id=entry.village_id,
        day=entry.day,
        kind=entry.kind,
        channel=entry.channel,
        minutes=entry.minutes,
        summary=entry.summary,
        source=entry.source,
        activity=entry.activity,
        question_id=entry.question_id,
        visit_id=entry.visit_id,
    )
