"""A small fictional roster and clock shared by the ledger, report and reminder tests."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from config import Settings
from storage.db import Database
from storage.models import ServiceLogEntry
from storage.services.ledger import Actor, EntryDraft, add_entry
from storage.services.roster import COLUMNS, import_roster

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=TZ)  # November open, October closed (Nov 5)
ADMIN = Actor("admin", can_edit_closed=True)
L1 = Actor.counsel("L1")

_HEADER = ",".join([*COLUMNS, "start", "end"])
_ROWS = (
    # county, town, village, name, flexible, counsel, name, firm, phone, email, wechat, trainee
    "示范县,东岭镇,V1,南岗村,否,L1,甲律师,示范所,0000-0000001,l1@x.example,wx_L1,否,2026-01-01,",
    "示范县,东岭镇,V2,北岭村,是,L1,甲律师,示范所,0000-0000001,l1@x.example,wx_L1,否,2026-01-01,",
    "示范县,东岭镇,V3,西坑村,否,L2,乙律师,示范所,0000-0000002,l2@x.example,wx_L2,否,2026-01-01,2026-10-31",
    "另一县,南湾镇,W1,沙头村,否,L3,丙律师,别的所,0000-0000003,l3@x.example,wx_L3,否,,",
)
ROSTER = "\n".join([_HEADER, *_ROWS]) + "\n"


async def load_roster(db: Database, settings: Settings) -> None:
    """Import the roster: L1 serves V1 and flexible V2; L2 served V3 until October; L3 W1."""
    await import_roster(db, ROSTER, settings.quota)


async def log(
    db: Database,
    settings: Settings,
    day: date,
    minutes: int,
    *,
    counsel: str = "L1",
    village: str = "V1",
    channel: str = "visit",
    kind: str | None = None,
    activity: str | None = None,
) -> ServiceLogEntry:
    """Store one entry as an administrator (closed months allowed)."""
    onsite = channel in ("visit", "night_school")
    draft = EntryDraft(
        counsel_id=counsel,
        village_id=village,
        day=day,
        kind=kind or ("onsite" if onsite else "offsite"),
        channel=channel,
        minutes=minutes,
        activity=activity,
    )
    async with db.transaction() as session:
        return await add_entry(session, draft, actor=ADMIN, settings=settings, now=NOW)
