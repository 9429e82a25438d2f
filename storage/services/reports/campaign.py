"""Q13, the campaign 「乡村振兴 法治同行」: each counsel's activities in a date range."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ledger_terms import ACTIVITIES
from storage.models import ServiceLogEntry
from storage.services.reports import queries
from storage.services.scope import EVERYWHERE, Scope, county_ids

CAMPAIGN_FIELDS = ("counsel_id", "counsel_name", *ACTIVITIES, "complete")


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """Q13: a counsel's campaign activities in a date range."""

    counsel_id: str
    counsel_name: str
    counts: dict[str, int]

    @property
    def complete(self) -> bool:
        """True when each of the four activities was done at least once (Q13)."""
        return all(self.counts.get(a, 0) >= 1 for a in ACTIVITIES)

    def as_dict(self) -> dict[str, Any]:
        """The row as :data:`CAMPAIGN_FIELDS`, in order (an activity not done counts 0)."""
        return {
            f: self.counts.get(f, 0) if f in ACTIVITIES else getattr(self, f)
            for f in CAMPAIGN_FIELDS
        }


async def campaign_counts(
    session: AsyncSession, first: date, last: date, scope: Scope = EVERYWHERE
) -> list[CampaignRow]:
    """Per counsel assigned in the range: how many entries of each Q13 activity."""
    counties = await county_ids(session, scope)
    pairs = await queries.pairs(session, first, last, counties, scope.counsel_id)
    stmt = queries.in_days(first, last).where(col(ServiceLogEntry.activity).is_not(None))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in await session.exec(queries.scoped(stmt, counties, scope.counsel_id)):
        counts[e.counsel_id][e.activity or ""] += 1
    names = {p.counsel_id: p.counsel_name for p in pairs.values()}
    return [CampaignRow(c, names[c], dict(counts[c])) for c in sorted(names)]
