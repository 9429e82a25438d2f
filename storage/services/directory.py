"""Who is who: groups, villages and their counsel on a date."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage import roster_cache
from storage.db import columns_of, detached, param
from storage.errors import Conflict, Forbidden, NotFound
from storage.models import (
    Assignment,
    AuditEntry,
    ChatGroup,
    Counsel,
    County,
    SeenRoom,
    Town,
    Village,
)
from storage.prepared import Prepared


@dataclass(frozen=True, slots=True)
class VillagePlace:
    """A village with its town and county names."""

    village: Village
    town: str
    county: str


# The chat path's lookups (issue 12): prebuilt, run on the driver, and kept in memory
# while the roster's token stands (storage.roster_cache).
_VILLAGE_OF_GROUP = Prepared(
    lambda _: (
        select(*columns_of(Village))
        .join(ChatGroup, col(ChatGroup.village_id) == col(Village.id))
        .where(col(ChatGroup.id) == param(ChatGroup.id, "group_id"))
    )
)


def _counsel_of_village_statement() -> Select[Any]:
    """:func:`counsel_of_village`'s query."""
    day = param(Assignment.start, "day")
    built: Select[Any] = (
        select(*columns_of(Counsel))
        .join(Assignment, col(Assignment.counsel_id) == col(Counsel.id))
        .where(
            col(Assignment.village_id) == param(Assignment.village_id),
            Assignment.overlapping(day, day),
        )
        .order_by(col(Counsel.trainee), col(Counsel.id))
    )
    return built


_COUNSEL_OF_VILLAGE = Prepared(lambda _: _counsel_of_village_statement())
_COUNSEL_WITH_CHAT_IDS = Prepared(
    lambda _: (
        select(*columns_of(Counsel))
        .where(col(Counsel.wechat).is_not(None))
        .order_by(col(Counsel.id))
    )
)
_WECHAT = [c.key for c in columns_of(Counsel)].index("wechat")


class _ChatIds:
    """Every counsel's chat id, read at once: a sender who is no counsel (most of them,
    each new one) is answered from memory too. A counsel object is built when first
    asked for (building all of a province's would take seconds)."""

    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        self._rows: dict[object, Sequence[object]] = {}
        for row in rows:
            self._rows.setdefault(row[_WECHAT], row)
        self._made: dict[str, Counsel] = {}

    def get(self, chat_id: str) -> Counsel | None:
        """The counsel with this chat id, or None."""
        made = self._made.get(chat_id)
        if made is None and chat_id in self._rows:
            made = self._made[chat_id] = detached(Counsel, self._rows[chat_id])
        return made


async def village_of_group(session: AsyncSession, group_id: str) -> Village | None:
    """The village a group is bound to, or None (kept in memory: read-only)."""

    async def load() -> Village | None:
        row = await _VILLAGE_OF_GROUP.first(session, {"group_id": group_id})
        return None if row is None else detached(Village, row)

    return await roster_cache.lookup(session, ("village_of_group", group_id), load)


async def village_by_id(session: AsyncSession, village_id: str) -> Village | None:
    """The village with this id, or None."""
    return await session.get(Village, village_id)


async def village_names(session: AsyncSession, village_ids: set[str]) -> dict[str, str]:
    """The names of the villages among ``village_ids`` that exist, by id."""
    stmt = select(Village).where(col(Village.id).in_(village_ids))
    return {v.id: v.name for v in await session.exec(stmt)}


async def counsel_by_id(session: AsyncSession, counsel_id: str) -> Counsel | None:
    """The counsel with this id, or None."""
    return await session.get(Counsel, counsel_id)


async def find_village(session: AsyncSession, key: str) -> Village:
    """A village by id, or by name when the name is unique; NotFound otherwise."""
    village = await session.get(Village, key)
    if village is not None:
        return village
    found = list(await session.exec(select(Village).where(Village.name == key)))
    if len(found) == 1:
        return found[0]
    if found:
        ids = "、".join(v.id for v in found)
        raise NotFound(f"有多个村叫 {key}：请用村编号（{ids}）")
    near = await _near_names(session, key)
    hint = f"；您要找的是不是：{'、'.join(near)}？" if near else ""
    raise NotFound(f"没有编号或名称为 {key} 的村{hint}")


async def _near_names(session: AsyncSession, key: str) -> list[str]:
    """Village names close to a mistyped one (南港村 -> 南岗村)."""
    names = list(await session.exec(select(Village.name).distinct()))
    return difflib.get_close_matches(key, names, n=3, cutoff=0.6)


async def bind_group(
    session: AsyncSession, group_id: str, village_key: str, *, actor: str, force: bool = False
) -> Village:
    """Bind a chat group to a village; rebinding to another village needs ``force``.

    For the operator (CLI): an unknown village says how villages get into the database.
    """
    try:
        village = await find_village(session, village_key)
    except NotFound as err:
        raise NotFound(f"{err}：请先用 vcbot roster import 导入名册") from None
    group = await session.get(ChatGroup, group_id)
    if group is not None and group.village_id != village.id and not force:
        raise Conflict(f"群 {group_id} 已绑定村 {group.village_id}；确需改绑请加 --force")
    before = None if group is None else {"village_id": group.village_id}
    if group is None:
        group = ChatGroup(id=group_id, village_id=village.id)
    group.village_id = village.id
    session.add(group)
    session.add(
        AuditEntry(
            actor=actor,
            action="bind",
            entity="group",
            entity_id=group_id,
            before=before,
            after={"village_id": village.id},
        )
    )
    return village


async def counsel_of_village(session: AsyncSession, village_id: str, day: date) -> list[Counsel]:
    """The counsel assigned to a village on ``day``, practising lawyers first (kept in
    memory: read-only; the list is the caller's own)."""

    async def load() -> tuple[Counsel, ...]:
        rows = await _COUNSEL_OF_VILLAGE.rows(session, {"village_id": village_id, "day": day})
        unique = {c.id: c for c in (detached(Counsel, row) for row in rows)}
        return tuple(unique.values())

    key = ("counsel_of_village", village_id, day)
    return list(await roster_cache.lookup(session, key, load))


async def villages_of_counsel(
    session: AsyncSession, counsel_id: str, first: date, last: date
) -> list[Village]:
    """The villages a counsel is assigned to on some day from ``first`` to ``last``."""
    stmt = (
        select(Village)
        .join(Assignment, col(Assignment.village_id) == col(Village.id))
        .where(Assignment.counsel_id == counsel_id, Assignment.overlapping(first, last))
        .order_by(col(Village.id))
    )
    unique = {v.id: v for v in await session.exec(stmt)}
    return list(unique.values())


async def serves(session: AsyncSession, counsel_id: str, village_id: str, day: date) -> bool:
    """True when the counsel is assigned to the village on ``day``: asked of every line a
    counsel writes in a group, so answered from the village's counsel of the day, kept
    while the roster stands (issue 12; an ORM query each time before)."""
    return any(c.id == counsel_id for c in await counsel_of_village(session, village_id, day))


async def wechat_ids(session: AsyncSession, counsel_ids: set[str]) -> dict[str, str]:
    """The WeChat ids of those of ``counsel_ids`` who have one, by counsel id."""
    stmt = select(Counsel).where(col(Counsel.id).in_(counsel_ids))
    return {c.id: c.wechat for c in await session.exec(stmt) if c.wechat}


async def groups_of_village(session: AsyncSession, village_id: str) -> list[ChatGroup]:
    """The chat groups bound to a village, by id."""
    stmt = select(ChatGroup).where(ChatGroup.village_id == village_id)
    return list(await session.exec(stmt.order_by(col(ChatGroup.id))))


async def counsel_by_chat_id(
    session: AsyncSession, sender_id: str, aliases: Sequence[str] = ()
) -> Counsel | None:
    """The counsel whose ``wechat`` is the sender's id or one of its aliases (a WeChat
    contact id or WeChat id: never a display name), if any."""
    if not aliases:  # the usual case, asked of every message: kept in memory, read-only

        async def load() -> _ChatIds:
            return _ChatIds(await _COUNSEL_WITH_CHAT_IDS.rows(session))

        chat_ids = await roster_cache.lookup(session, ("counsel_chat_ids",), load)
        return chat_ids.get(sender_id)
    ids = [sender_id, *aliases]
    stmt = select(Counsel).where(col(Counsel.wechat).in_(ids)).order_by(col(Counsel.id))
    return (await session.exec(stmt)).first()


async def place_of(session: AsyncSession, village: Village) -> VillagePlace:
    """The village with its town and county names."""
    town = await session.get(Town, village.town_id)
    if town is None:
        raise NotFound(f"村 {village.id} 的镇不存在")
    county = await session.get(County, town.county_id)
    return VillagePlace(village, town.name, county.name if county else "")


async def groups_with_villages(session: AsyncSession) -> list[tuple[ChatGroup, Village]]:
    """Every bound group with its village, by group id."""
    stmt = (
        select(ChatGroup, Village)
        .join(Village, col(Village.id) == col(ChatGroup.village_id))
        .order_by(col(ChatGroup.id))
    )
    return [(g, v) for g, v in await session.exec(stmt)]


async def bureau_contact(session: AsyncSession, county_name: str) -> str | None:
    """The chat id of a county bureau's contact person, if one is set."""
    county = (await session.exec(select(County).where(County.name == county_name))).first()
    return None if county is None else county.bureau_contact_id


async def bureau_contacts(session: AsyncSession) -> dict[str, tuple[int, str]]:
    """Each county that has a bureau contact: its name -> (county id, contact's chat id)."""
    stmt = select(County).where(col(County.bureau_contact_id).is_not(None))
    return {
        c.name: (c.id, c.bureau_contact_id)
        for c in await session.exec(stmt)
        if c.id is not None and c.bureau_contact_id
    }


async def bind_group_in_chat(
    session: AsyncSession, group_id: str, village_key: str, sender_ids: Sequence[str], day: date
) -> Village:
    """「绑定 村名」 written in the group: only the village's counsel (on ``day``) or its
    county bureau's contact may bind; a group bound elsewhere is rebound only by the CLI."""
    village = await find_village(session, village_key)
    if not await _may_bind(session, village, sender_ids, day):
        raise Forbidden("只有本村法律顾问或县司法局联系人可以绑定本群")
    try:
        return await bind_group(session, group_id, village.id, actor=f"chat:{sender_ids[0]}")
    except Conflict:
        raise Conflict(
            "本群已绑定到别的村；如需改绑，请县司法局用 vcbot group bind --force 办理"
        ) from None


async def _may_bind(
    session: AsyncSession, village: Village, sender_ids: Sequence[str], day: date
) -> bool:
    """The village's counsel on ``day``, or its county bureau's contact."""
    counsel = await counsel_by_chat_id(session, sender_ids[0], sender_ids[1:])
    if counsel is not None and await serves(session, counsel.id, village.id, day):
        return True
    place = await place_of(session, village)
    return await bureau_contact(session, place.county) in sender_ids


async def unbind_group(session: AsyncSession, group_id: str, *, actor: str) -> Village:
    """Unbind a group from its village (audited); NotFound when it is bound to none."""
    group = await session.get(ChatGroup, group_id)
    village = await session.get(Village, group.village_id) if group is not None else None
    if group is None or village is None:
        raise NotFound("本群没有绑定到任何村。")
    await session.delete(group)
    session.add(
        AuditEntry(
            actor=actor,
            action="unbind",
            entity="group",
            entity_id=group_id,
            before={"village_id": group.village_id},
            after=None,
        )
    )
    return village


async def unbind_group_in_chat(
    session: AsyncSession, group_id: str, sender_ids: Sequence[str], day: date
) -> Village:
    """「解绑」 written in the group: only the bound village's counsel or bureau contact."""
    village = await village_of_group(session, group_id)
    if village is None:
        raise NotFound("本群没有绑定到任何村。")
    if not await _may_bind(session, village, sender_ids, day):
        raise Forbidden("只有本村法律顾问或县司法局联系人可以解绑本群")
    return await unbind_group(session, group_id, actor=f"chat:{sender_ids[0]}")


async def saw_room(
    session: AsyncSession, room_id: str, topic: str, members: int, instance: str, when: datetime
) -> None:
    """Record (or refresh) a room the bot has had a message from."""
    room = await session.get(SeenRoom, room_id) or SeenRoom(id=room_id)
    room.topic, room.members, room.instance, room.last_seen = topic[:256], members, instance, when
    session.add(room)


async def room_instance(session: AsyncSession, room_id: str) -> str | None:
    """The channel instance (account) that last saw the room, if any."""
    room = await session.get(SeenRoom, room_id)
    return room.instance if room is not None and room.instance else None


async def rooms_seen(session: AsyncSession) -> list[tuple[SeenRoom, Village | None]]:
    """Every room seen, newest first, with the village it is bound to (None: unbound)."""
    stmt = (
        select(SeenRoom, Village)
        .join(ChatGroup, col(ChatGroup.id) == col(SeenRoom.id), isouter=True)
        .join(Village, col(Village.id) == col(ChatGroup.village_id), isouter=True)
        .order_by(col(SeenRoom.last_seen).desc())
    )
    return [(room, village) for room, village in await session.exec(stmt)]
