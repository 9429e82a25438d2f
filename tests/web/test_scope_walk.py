"""Scope on every route (issue 11, item 3): a user of another county, walking every
registered route at 示范县's entries, counsel, complaints and villages, gets 403 on pages
and API alike. Routes added later are walked too: they need only use the path-parameter
names below (a new name fails this test until it is given a 示范县 value)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.web.conftest import World, login
from web.auth import is_open

Client = TestClient[web.Request, web.Application]
OTHER_COUNTY_USER = "linxian"


def path_values(world: World) -> dict[str, str]:
    """A 示范县 value for every path parameter a route may have."""
    return {
        "entry_id": str(world.entry),
        "counsel_id": "L001",
        "complaint_id": str(world.complaint),
        "village_id": "DL01",
    }


def body_at_home() -> dict[str, Any]:
    """Form and JSON fields that all point at 示范县 (DL01, L001)."""
    return {
        "village_id": "DL01",
        "counsel_id": "L001",
        "day": datetime.now(UTC).date().isoformat(),
        "kind": "offsite",
        "channel": "phone",
        "minutes": 30,
        "summary": "越权",
        "resolution": "越权处理",
        "result": "confirmed",
    }


def protected_routes(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, formatter, name) of every route that is not open to everyone."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method == "HEAD":
            continue
        name = resource.name or ""
        if is_open(name) or name.startswith("session-"):
            continue
        info = resource.get_info()
        found.append((route.method, str(info.get("formatter") or info.get("path")), name))
    return found


def fill(formatter: str, values: dict[str, str]) -> str:
    """The path with each ``{param}`` replaced by its 示范县 value."""
    names = re.findall(r"{(\w+)}", formatter)
    unknown = [n for n in names if n not in values]
    assert not unknown, f"{formatter}: give path parameter(s) {unknown} a 示范县 value above"
    return formatter.format(**{n: values[n] for n in names})


def json_bodies(method: str) -> list[dict[str, Any]]:
    """The API's bodies refuse fields they do not know, so each kind is tried in turn:
    an entry (new or changed), a complaint's resolution and a call-back's result."""
    entry = {k: v for k, v in body_at_home().items() if k not in ("resolution", "result")}
    if method == "PATCH":
        entry.pop("counsel_id")
    return [entry, {"resolution": "越权处理"}, {"result": "confirmed"}]


async def send(
    client: Client,
    method: str,
    path: str,
    name: str,
    *,
    csrf: str,
    token: str,
    query: dict[str, str],
) -> int:
    """The route's answer: 403 if any well-formed request was refused for scope; else the
    first answer that is not a 400 (a body of the wrong kind)."""
    if name.startswith("api-"):
        headers = {"Authorization": f"Bearer {token}"}
        bodies = json_bodies(method) if method in ("POST", "PATCH") else [None]
        statuses = []
        for body in bodies:
            kwargs: dict[str, Any] = {} if body is None else {"json": body}
            r = await client.request(
                method, path, params=query, headers=headers, allow_redirects=False, **kwargs
            )
            statuses.append(r.status)
        if method != "GET":
            assert not [s for s in statuses if s < 300], f"{method} {path} wrote: {statuses}"
        return 403 if 403 in statuses else next((s for s in statuses if s != 400), 400)
    headers = {"X-CSRF-Token": csrf, "Accept": "text/html"}
    form = {**body_at_home(), "_csrf": csrf} if method == "POST" else None
    r = await client.request(
        method, path, params=query, headers=headers, allow_redirects=False, data=form
    )
    return r.status


async def test_every_route_refuses_another_countys_user(client: Client, world: World) -> None:
    csrf = await login(client, OTHER_COUNTY_USER)
    token = world.tokens[OTHER_COUNTY_USER]
    routes = protected_routes(client.app)
    assert len(routes) >= 15  # the console's and the API's, not an empty walk
    refused_by_target: list[str] = []
    for method, formatter, name in routes:
        path = fill(formatter, path_values(world))
        args = {"csrf": csrf, "token": token}
        # 1. at 示范县's things by path and body, no county filter
        status = await send(client, method, path, name, query={}, **args)
        if "{" in formatter or method != "GET":
            assert status == 403, f"{method} {formatter} ({name}) answered {status}, not 403"
            refused_by_target.append(name)
        # 2. with 示范县 as the county filter
        status = await send(client, method, path, name, query={"county": "示范县"}, **args)
        assert status == 403, f"{method} {formatter}?county=示范县 ({name}) answered {status}"
    assert {"console-entry", "api-entry-patch", "console-complaint-handle"} <= set(
        refused_by_target
    )


async def test_list_routes_of_the_other_county_show_nothing_of_ours(
    client: Client, world: World
) -> None:
    await login(client, OTHER_COUNTY_USER)
    for path in (
        "/console/",
        "/console/log",
        "/console/counsel",
        "/console/complaints?status=all",
        "/console/audit",
        "/console/entries/new",
        "/console/log?format=csv",
    ):
        text = await (await client.get(path)).text()
        for ours in ("南岗村", "陈明远", "没来驻村", "宅基地"):
            assert ours not in text, f"{path} shows {ours}"
    headers = {"Authorization": f"Bearer {world.tokens[OTHER_COUNTY_USER]}"}
    for path in (
        "/api/v1/villages",
        "/api/v1/counsel",
        "/api/v1/entries",
        "/api/v1/complaints?status=all",
    ):
        text = await (await client.get(path, headers=headers)).text()
        assert "DL01" not in text, path
        assert "L001" not in text, path
        assert "LX01" in text or "L900" in text or "邻县" in text, path


async def test_a_city_user_sees_the_counties_of_their_city_only(
    client: Client, world: World
) -> None:
    await login(client, "jiashi")  # 甲市: 示范县 only
    assert (await client.get(f"/console/entries/{world.entry}")).status == 200
    assert (await client.get(f"/console/entries/{world.other_entry}")).status == 403
    assert (await client.get("/console/log", params={"county": "邻县"})).status == 403


async def test_a_province_user_sees_both_counties(client: Client, world: World) -> None:
    await login(client, "yisheng")
    assert (await client.get(f"/console/entries/{world.entry}")).status == 200
    assert (await client.get(f"/console/entries/{world.other_entry}")).status == 200
    text = await (await client.get("/console/log")).text()
    assert "南岗村" in text
    assert "邻村" in text
    narrowed = await (await client.get("/console/log", params={"county": "邻县"})).text()
    assert "邻村" in narrowed
    assert "南岗村" not in narrowed
