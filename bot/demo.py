"""The fictional demo county: roster, bound groups, two months of logs, visits, questions.

Names are invented, phones are 0000-xxxxxxx and e-mail domains are ``.example``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from importlib import resources

from sqlalchemy import delete, update
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import Runtime
from storage.models import (
    Assignment,
    ChatGroup,
    Complaint,
    County,
    Question,
    ServiceLogEntry,
    SurveyAnswer,
    Village,
    Visit,
)
from storage.periods import DateWindow
from storage.services import accounts
from storage.services.roster import import_roster

BUREAU_CONTACT = "wx_sfj_demo"
DEMO_CITY, DEMO_PROVINCE = "示范市", "示范省"
# the console login `make demo` prints; the demo database only, never a real deployment
DEMO_USER, DEMO_PASSWORD = "demo", "demo-county-2026"
OFFSITE_CHANNELS = ("phone", "wechat", "wechat", "email", "workstation")
DEMO_QUESTIONS = (
    ("DL01", "南岗村群", "王大伯", "隔壁把我家宅基地占了一半，该找谁？", "homestead"),
    ("NW03", "沙头村群", "李阿姨", "老板欠了三个月工钱不给，咋办", "labor"),
)


def roster_csv() -> str:
    """The demo roster file shipped with the package."""
    return (resources.files("bot") / "demo_data" / "roster.csv").read_text(encoding="utf-8")


async def load_demo(runtime: Runtime, *, reset: bool) -> str:
    """Load the demo county (idempotent for the roster; logs only into an empty ledger)."""
    if reset:
        await _wipe(runtime)
    summary = await import_roster(
        runtime.db, roster_csv(), runtime.settings.quota, actor="demo", window=_window(runtime)
    )
    today = datetime.now(runtime.settings.tz).date()
    async with runtime.db.transaction() as session:
        await session.exec(
            update(County).values(
                bureau_contact_id=BUREAU_CONTACT, city=DEMO_CITY, province=DEMO_PROVINCE
            )
        )
        villages = list(await session.exec(select(Village)))
        for village in villages:
            await session.merge(ChatGroup(id=f"{village.name}群", village_id=village.id))
        has_logs = (await session.exec(select(ServiceLogEntry).limit(1))).first() is not None
        if not has_logs:
            assignments = list(await session.exec(select(Assignment)))
            entries = _entries(assignments, today, runtime)
            session.add_all(entries)
            session.add_all(_visits(assignments, today, runtime))
            session.add_all(_questions(today, runtime))
            session.add_all(_complaints_and_ratings(today, runtime))
        login = await _demo_user(session, runtime)
    return f"{summary.describe()} 已绑定 {len(villages)} 个村群。演示数据就绪。\n{login}"


async def _demo_user(session: AsyncSession, runtime: Runtime) -> str:
    """The demo county's console user (created once), and how to log in."""
    if await accounts.find_user(session, DEMO_USER) is None:
        county = (await session.exec(select(County.name))).first() or ""
        new = accounts.NewUser(DEMO_USER, DEMO_PASSWORD, "county", county)
        await accounts.add_user(session, new, actor="demo", now=datetime.now(runtime.settings.tz))
    return f"司法局后台：/login 用户名 {DEMO_USER} 密码 {DEMO_PASSWORD}"


def _complaints_and_ratings(today: date, runtime: Runtime) -> list[Complaint | SurveyAnswer]:
    """One open complaint and two ratings, so the console has something to show."""
    at = datetime.combine(today - timedelta(days=2), time(20, 5), runtime.settings.tz)
    return [
        Complaint(
            village_id="DL01",
            counsel_id="L001",
            complainant_id="demo_0",
            text="约好周三来村里，结果没来，也没说一声。",
            created_at=at,
        ),
        SurveyAnswer(
            village_id="DL01", counsel_id="L001", respondent_id="demo_2", score=5, created_at=at
        ),
        SurveyAnswer(
            village_id="NW03", counsel_id="L002", respondent_id="demo_3", score=3, created_at=at
        ),
    ]


def _window(runtime: Runtime) -> DateWindow:
    s = runtime.settings
    return DateWindow.of_settings(datetime.now(s.tz), s.tz, s.limits.date_window_years)


async def _wipe(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await session.exec(delete(table))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _entries(assignments: list[Assignment], today: date, runtime: Runtime) -> list[ServiceLogEntry]:
    """The two months before complete, this month up to yesterday (the console's default
    three months); some villages fall short on purpose."""
    rng = random.Random(20261122)
    this_month = _month_start(today)
    last_month = _month_start(this_month - timedelta(days=1))
    month_before = _month_start(last_month - timedelta(days=1))
    entries: list[ServiceLogEntry] = []
    for a in assignments:
        for month_start in (month_before, last_month, this_month):
            month_end = _month_start(month_start + timedelta(days=31)) - timedelta(days=1)
            end = min(month_end, today - timedelta(days=1))
            if end < month_start:
                continue
            diligent = rng.random() > 0.25
            entries += _month_entries(a, month_start, end, diligent, rng)
    return entries


def _month_entries(
    a: Assignment, first: date, last: date, diligent: bool, rng: random.Random
) -> list[ServiceLogEntry]:
    span = (last - first).days
    visits = (2 if diligent else 1) if rng.random() > 0.1 else 0
    rows = [
        ServiceLogEntry(
            counsel_id=a.counsel_id,
            village_id=a.village_id,
            day=first + timedelta(days=rng.randint(0, span)),
            kind="onsite",
            channel="visit" if rng.random() > 0.2 else "night_school",
            minutes=rng.choice((120, 150, 180, 240)),
            summary="驻村坐班，接待村民咨询",
            source="import",
        )
        for _ in range(visits)
    ]
    for _ in range(rng.randint(3, 8)):
        rows.append(
            ServiceLogEntry(
                counsel_id=a.counsel_id,
                village_id=a.village_id,
                day=first + timedelta(days=rng.randint(0, span)),
                kind="offsite",
                channel=rng.choice(OFFSITE_CHANNELS),
                minutes=rng.choice((20, 30, 45, 60)),
                summary="线上解答村民法律咨询",
                source="import",
            )
        )
    return rows


def _visits(assignments: list[Assignment], today: date, runtime: Runtime) -> list[Visit]:
    rng = random.Random(7)
    tz = runtime.settings.tz
    return [
        Visit(
            counsel_id=a.counsel_id,
            village_id=a.village_id,
            starts_at=datetime.combine(day, time(9, 30), tz),
            ends_at=datetime.combine(day, time(11, 30), tz),
            place="村委会",
            note="驻村接待日",
        )
        for a, day in (
            (a, today + timedelta(days=rng.randint(1, 20)))
            for a in assignments
            if a.counsel_id.startswith("L")
        )
    ]


def _questions(today: date, runtime: Runtime) -> list[Question]:
    asked = datetime.combine(today - timedelta(days=1), time(19, 15), runtime.settings.tz)
    return [
        Question(
            village_id=village,
            group_id=group,
            asker_id=f"demo_{i}",
            asker_name=name,
            text=text,
            category=category,
            confidence=0.9,
            intents=["question"],
            asked_at=asked,
        )
        for i, (village, group, name, text, category) in enumerate(DEMO_QUESTIONS)
    ]
