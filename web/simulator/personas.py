"""Who one may speak as in the simulator: fixed villagers, a cadre, the village's counsel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from storage.models import Counsel

VILLAGERS = (("sim_zhangsan", "张三"), ("sim_lisi", "李四"), ("sim_wangdabo", "王大伯"))
CADRE = ("sim_cadre", "村干部老刘")


class Persona(TypedDict):
    """One persona as the page lists it."""

    id: str
    name: str
    role: str


def personas(counsel: Sequence[Counsel]) -> list[Persona]:
    """The villagers, the cadre, then each counsel of the village who has a WeChat id."""
    found = [Persona(id=i, name=n, role="村民") for i, n in VILLAGERS]
    found.append(Persona(id=CADRE[0], name=CADRE[1], role="村干部"))
    found += [Persona(id=c.wechat, name=c.name, role="法律顾问") for c in counsel if c.wechat]
    return found
