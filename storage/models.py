"""SQLModel tables: the roster, chat groups, questions, the service ledger and its audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    LargeBinary,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col

from storage.columns import AwareDateTime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class County(SQLModel, table=True):
    """A county-level justice bureau's area (县/市/区), with its city and province."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    province: str | None = Field(default=None, max_length=64)
    bureau_contact_id: str | None = Field(default=None, max_length=128)  # chat id for reports


class Town(SQLModel, table=True):
    """A town (镇/街道) within a county."""

    __table_args__ = (UniqueConstraint("county_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    name: str = Field(max_length=64)


class Village(SQLModel, table=True):
    """A village or community (村/社区); ``id`` is the roster's village_id."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=64, index=True)
    town_id: int = Field(foreign_key="town.id", index=True)
    flexible: bool = False  # Q5: flexible mode switched on by the bureau


class Counsel(SQLModel, table=True):
    """A lawyer serving as village counsel; ``id`` is the roster's counsel_id."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=64)
    firm: str = Field(default="", max_length=128)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=128)
    wechat: str | None = Field(default=None, max_length=128, unique=True)
    trainee: bool = False  # Q7


class Assignment(SQLModel, table=True):
    """Counsel <-> village, from ``start`` to ``end`` inclusive (None: open on that side)."""

    __table_args__ = (UniqueConstraint("counsel_id", "village_id", "start"),)
    id: int | None = Field(default=None, primary_key=True)
    counsel_id: str = Field(foreign_key="counsel.id", index=True, max_length=64)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    start: date | None = None
    end: date | None = None

    def active_on(self, day: date) -> bool:
        """True when the assignment covers ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @classmethod
    def overlapping(
        cls, first: date | ColumnElement[date], last: date | ColumnElement[date]
    ) -> ColumnElement[bool]:
        """SQL: the assignment covers some day from ``first`` to ``last`` (inclusive);
        either may be a bound parameter of a prebuilt statement."""
        return and_(
            or_(col(cls.start).is_(None), col(cls.start) <= last),
            or_(col(cls.end).is_(None), col(cls.end) >= first),
        )


class ChatGroup(SQLModel, table=True):
    """A chat group (stable id) bound to one village."""

    id: str = Field(primary_key=True, max_length=128)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    bound_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


ROSTER_TABLES = frozenset({"county", "town", "village", "counsel", "assignment", "chatgroup"})
"""The tables whose every change changes :class:`RosterVersion`'s token (the triggers of
migration 0010)."""


class RosterVersion(SQLModel, table=True):
    """One row whose ``token`` changes with every change to the roster (county, town,
    village, counsel, assignment, chat group), in the same transaction: triggers of
    migration 0010 set it to a random value. The chat path keeps roster lookups in
    memory while the token stands (issue 12); a random value, not a counter, because a
    rolled-back change puts the old token back and a counter would then hand out the
    same number twice."""

    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=32)


class SeenRoom(SQLModel, table=True):
    """A chat room the bot has had a message from, bound or not (``vcbot groups``)."""

    id: str = Field(primary_key=True, max_length=128)  # the channel's room id
    topic: str = Field(default="", max_length=256)
    members: int = 0
    instance: str = Field(default="", max_length=64)  # the account that sees it
    last_seen: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Question(SQLModel, table=True):
    """A villager's question ticket; ``text`` is stored with ID and phone numbers masked."""

    __table_args__ = (
        Index("ix_question_status_asked", "status", "asked_at"),
        # a villager's tickets: the line that continues one, the first of the day (issue 12:
        # without it each question scanned every ticket ever asked)
        Index("ix_question_asker_asked", "asker_id", "asked_at"),
        # a villager's open tickets: without it SQLite, with no statistics, read every open
        # ticket through ix_question_status_asked to find one person's (issue 12)
        Index("ix_question_asker_status", "asker_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    group_id: str | None = Field(default=None, max_length=128)
    asker_id: str = Field(max_length=128)
    asker_name: str = Field(default="", max_length=128)
    text: str = Field(sa_type=Text)
    category: str = Field(default="other", max_length=32)
    confidence: float = 0.0
    intents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)  # open | answered
    asked_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    answered_by: str | None = Field(default=None, foreign_key="counsel.id", max_length=64)
    message_id: str | None = Field(default=None, max_length=128)
    # the asker's latest line merged into it (several lines within a window are one question)
    last_part_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    rating_asked_at: datetime | None = Field(default=None, sa_type=AwareDateTime)  # Q12
    answer_text: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})


class Fragment(SQLModel, table=True):
    """A villager's line that is not a question by itself, kept for a short window so that
    the question it leads into is stored whole (「请问一下」/「我家那个承包地」/…)."""

    __table_args__ = (Index("ix_fragment_group_sender_at", "group_id", "sender_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: str = Field(max_length=128)
    sender_id: str = Field(max_length=128)
    text: str = Field(sa_type=Text)  # masked like questions
    at: datetime = Field(sa_type=AwareDateTime, index=True)


class ServiceLogEntry(SQLModel, table=True):
    """One service entry of the ledger (docs/rules.md "Quota arithmetic")."""

    __table_args__ = (
        Index("ix_entry_counsel_village_day", "counsel_id", "village_id", "day"),
        # issue 12: a county's month (village_id IN …, day range) and the flexible
        # villages' half-year as range scans; the year's video lectures without a scan
        Index("ix_entry_village_day", "village_id", "day"),
        Index("ix_entry_channel_day", "channel", "day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    counsel_id: str = Field(foreign_key="counsel.id", max_length=64)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    day: date = Field(index=True)
    kind: str = Field(max_length=16)  # onsite | offsite
    channel: str = Field(max_length=32)  # visit, night_school, phone, wechat, ...
    minutes: int
    summary: str = Field(default="", sa_type=Text)
    source: str = Field(default="chat", max_length=16)  # chat | group | web | import
    question_id: int | None = Field(default=None, foreign_key="question.id")
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    activity: str | None = Field(default=None, max_length=32)  # Q13 campaign activity
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class CallbackCheck(SQLModel, table=True):
    """A bureau's phone call-back to verify a service-log entry (Q12: against false logs).

    ``entry_id`` is not a foreign key: entries are deleted hard, and a check stays as
    evidence of what was verified (the audit trail keeps the entry's image)."""

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(index=True)
    result: str = Field(max_length=16)  # confirmed | disputed | unreachable
    note: str = Field(default="", sa_type=Text)
    checked_by: str = Field(max_length=128)
    checked_at: datetime = Field(sa_type=AwareDateTime)


class Visit(SQLModel, table=True):
    """An on-site visit, scheduled and then done (Q1)."""

    id: int | None = Field(default=None, primary_key=True)
    counsel_id: str = Field(foreign_key="counsel.id", index=True, max_length=64)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    starts_at: datetime = Field(sa_type=AwareDateTime, index=True)
    ends_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    place: str = Field(default="", max_length=64)
    # scheduled | on_site (checked in with 到村) | done | cancelled
    status: str = Field(default="scheduled", max_length=16)
    note: str = Field(default="", sa_type=Text)
    arrived_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    left_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class Leave(SQLModel, table=True):
    """A counsel's leave, ``start`` to ``end`` inclusive: no reminders to them meanwhile."""

    __table_args__ = (Index("ix_leave_counsel_dates", "counsel_id", "start", "end"),)
    id: int | None = Field(default=None, primary_key=True)
    counsel_id: str = Field(foreign_key="counsel.id", max_length=64)
    start: date
    end: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)

    def covers(self, day: date) -> bool:
        """True when ``day`` falls within the leave."""
        return self.start <= day <= self.end


class Complaint(SQLModel, table=True):
    """A complaint about the service (Q10); text masked like questions."""

    id: int | None = Field(default=None, primary_key=True)
    village_id: str | None = Field(default=None, foreign_key="village.id", max_length=64)
    counsel_id: str | None = Field(default=None, foreign_key="counsel.id", max_length=64)
    complainant_id: str = Field(max_length=128)
    text: str = Field(sa_type=Text)
    status: str = Field(default="open", max_length=16)  # open | handled
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    handled_by: str | None = Field(default=None, max_length=128)
    resolution: str = Field(default="", sa_type=Text)


class SurveyAnswer(SQLModel, table=True):
    """A villager's rating of the service (Q12)."""

    id: int | None = Field(default=None, primary_key=True)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    counsel_id: str | None = Field(default=None, foreign_key="counsel.id", max_length=64)
    respondent_id: str = Field(max_length=128, index=True)
    question_id: int | None = Field(default=None, foreign_key="question.id")
    score: int  # 1..5 (满意 5, 基本满意 3, 不满意 1)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class BureauUser(SQLModel, table=True):
    """A bureau staff login, scoped to a county, a city or a province."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    password_hash: str = Field(max_length=256)
    level: str = Field(default="county", max_length=16)  # county | city | province | admin
    scope: str = Field(max_length=64)  # the county, city or province name ("" for admin)
    can_edit_closed: bool = False
    disabled: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # bumped at logout: every session cookie carries the epoch it was made in, so a copied
    # cookie stops working when its user logs out (the cookie itself cannot be recalled)
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime | None = Field(default_factory=utcnow, sa_type=AwareDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token of a bureau user for the JSON API; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="bureauuser.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    revoked: bool = False


class LoginFailure(SQLModel, table=True):
    """A failed login, kept for the lockout window (by user name and by address)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=AwareDateTime, index=True)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, with the values before and after."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class OutboxMessage(SQLModel, table=True):
    """A message the bot will send: written in the handler's transaction, delivered later.

    ``channel`` names who must deliver it: a channel instance (``console:…``, one
    simulator process, one WeChat account) for a reply, or a channel kind (``wechat``)
    for a proactive message any instance of that kind may send. A relay claims a row
    (``claim_token``, ``lease_until``) before sending; a claim whose lease ran out
    without ``sent_at`` may or may not have gone out, and is marked ``uncertain_at``
    and reported instead of being sent again.
    """

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "not_before"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default="any", max_length=64)
    target_kind: str = Field(max_length=8)  # group | person
    target_id: str = Field(max_length=128)
    text: str = Field(sa_type=Text)
    mentions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dedup_key: str | None = Field(default=None, unique=True, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=Text)
    claim_token: str | None = Field(default=None, max_length=64, index=True)
    lease_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    uncertain_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class InboundMessage(SQLModel, table=True):
    """Incoming message ids already handled, so a redelivered message is handled once."""

    channel: str = Field(primary_key=True, max_length=32)
    message_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


# APScheduler's job store table (bot/scheduler.py), declared here so that migrations create
# it and schema comparisons know it; the job store finds it and does not create its own.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(53), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
