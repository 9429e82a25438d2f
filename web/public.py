"""Pages for everyone: look up a village's counsel and service times (Q8), no login.

``/`` is a GET form (county, town, village name) that works without JavaScript: each
choice is sent back and the page re-rendered with the towns of the chosen county, the
villages found (paged) and, for one village, its card: the counsel, their next visits,
and the legal-aid and complaint channels.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup

from handlers.texts.common import hm_span, legal_aid_line, md, no_counsel
from handlers.texts.directory import SERVICE_CONTENT
from storage.db import Session
from storage.services import public
from web.auth import USER
from web.deps import DEPS

STATIC_DIR = Path(__file__).parent / "static"
INDEX = "public-index"
SEARCH_KEYS = ("county", "town", "q", "page")
WEEKDAYS = "一二三四五六日"
QUERY_TOO_LONG = f"输入的村名太长了：最多 {public.MAX_QUERY} 个字，请只写村名或编号，例如「南岗」。"


@dataclass(frozen=True, slots=True)
class LookupForm:
    """The lookup's query parameters, read leniently: what cannot be used is dropped."""

    county: int | None
    town: int | None
    q: str
    page: int
    village: str | None
    searched: bool  # the form was sent (or a page asked for), not just a village's link

    @property
    def q_too_long(self) -> bool:
        """The typed name is longer than any village name: it is not looked up."""
        return len(self.q) > public.MAX_QUERY


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A village found, with the link to its card."""

    hit: public.VillageHit
    url: str


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A scheduled visit as shown: 「12月10日（周四） 09:00-12:00」, the place, the counsel."""

    when: str
    place: str
    counsel: str


def _positive_int(raw: str | None) -> int | None:
    """``raw`` as a whole number of at least 1 (None: missing, not a number, or < 1)."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if number >= 1 else None


def read_form(query: Mapping[str, str]) -> LookupForm:
    """The form from the query string; a bad ``page`` is page 1, a bad id no choice."""
    village = (query.get("village") or "").strip()
    return LookupForm(
        county=_positive_int(query.get("county")),
        town=_positive_int(query.get("town")),
        q=(query.get("q") or "").strip(),
        page=_positive_int(query.get("page")) or 1,
        village=village or None,
        searched=any(key in query for key in SEARCH_KEYS),
    )


def _when(visit: public.PublicVisit, request: web.Request) -> str:
    """「12月10日（周四） 09:00-12:00」 in the deployment's zone."""
    tz = request.app[DEPS].settings.tz
    day = visit.starts_at.astimezone(tz).date()
    return f"{md(day)}（周{WEEKDAYS[day.weekday()]}） {hm_span(visit.starts_at, visit.ends_at, tz)}"


def _link(request: web.Request, **params: str | int | None) -> str:
    """The lookup page with these parameters (empty ones left out)."""
    kept = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return str(request.app.router[INDEX].url_for().with_query(kept))


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the database says for one form: the choices, what was found, the card."""

    counties: list[public.Choice]
    towns: list[public.Choice]
    county_id: int | None
    town_id: int | None
    results: public.VillagePage | None
    card: public.VillageCard | None


async def look_up(
    session: Session, directory: public.Directory, form: LookupForm, now: datetime, today: date
) -> Lookup:
    """The choices and the villages for ``form``: the only county is chosen, a town of
    another county dropped; a village's own link (no search) chooses its county and town
    and lists nothing; when the search finds exactly one village, its card. Without a
    roster there is nothing to look up. Choices and search come from the cached
    ``directory``; the card (counsel, visits) is read live."""
    card: public.VillageCard | None = None
    results: public.VillagePage | None = None
    counties = directory.counties
    if form.village is not None and len(form.village) <= public.MAX_QUERY:
        card = await _card(session, directory, form.village, now, today)
    county_id = form.county if form.county in {c.id for c in counties} else None
    town_id = form.town
    if card is not None and not form.searched:
        county_id, town_id = card.county_id, card.town_id
    if county_id is None and len(counties) == 1:
        county_id = counties[0].id
    towns = directory.towns.get(county_id, []) if county_id is not None else []
    town_id = town_id if town_id in {t.id for t in towns} else None
    if counties and not form.q_too_long and (form.searched or form.village is None):
        results = directory.find(county_id=county_id, town_id=town_id, text=form.q, page=form.page)
    if form.village is None and results is not None and results.total == 1:
        card = await _card(session, directory, results.hits[0].village_id, now, today)
    return Lookup(counties, towns, county_id, town_id, results, card)


async def _card(
    session: Session, directory: public.Directory, village_id: str, now: datetime, today: date
) -> public.VillageCard | None:
    """A village's card: its place from the directory, its counsel and visits live; a
    village newer than the directory is read whole."""
    stub = directory.card(village_id)
    if stub is None:
        return await public.village_card(session, village_id, now, today)
    return await public.fill_card(session, stub, now, today)


PAGES_KEPT = 4096  # rendered pages without a card, per process (~40 KB each at most)
PAGE, FRAGMENT = "page", "fragment"  # what a kept rendering is: a whole page or a piece


class DirectoryCache:
    """The roster's directory for the public page, per process: reloaded when
    :func:`public.directory_version` (the roster's token) changes, which is asked at most
    every ``web.public_cache_seconds`` (so a roster change shows within that long)."""

    def __init__(self, seconds: float, pages: int = PAGES_KEPT) -> None:
        self.seconds = seconds
        self.directory: public.Directory | None = None
        self.checked = 0.0
        self.lock = asyncio.Lock()
        self.pages_kept = pages
        self._pages: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def form(self, version: str, found: Lookup, q: str, templates: jinja2.Environment) -> Markup:
        """The lookup form for these choices. Its option lists are long (a province has
        hundreds of counties) and depend on the roster and the choice alone: each is
        rendered once per roster version and choice, the short rest per request
        (re-rendering the lists for every card was a sixth of the CPU, issue 12)."""
        options: Any = templates.get_template("public_options.html").module  # its macros
        counties = self._fragment(
            version,
            f"counties:{found.county_id}",
            lambda: options.county_options(found.counties, found.county_id),
        )
        towns = self._fragment(
            version,
            f"towns:{found.county_id}:{found.town_id}",
            lambda: options.town_options(found.towns, found.county_id, found.town_id),
        )
        html = templates.get_template("public_form.html").render(
            county_options=counties, town_options=towns, q=q
        )
        return Markup(html)

    def _fragment(self, version: str, name: str, render: Callable[[], str]) -> Markup:
        """A piece of a page, rendered once per roster version (kept beside the pages)."""
        key = (version, FRAGMENT, name)
        html = self._kept(key)
        if html is None:
            html = str(render())
            self._keep(key, html)
        return Markup(html)

    def page(self, version: str, query: str) -> str | None:
        """A page rendered for this roster version and query string, if kept."""
        return self._kept((version, PAGE, query))

    def _kept(self, key: tuple[str, str, str]) -> str | None:
        """A kept rendering, now the most recently used; None when not kept."""
        html = self._pages.get(key)
        if html is not None:
            self._pages.move_to_end(key)
        return html

    def keep(self, version: str, query: str, html: str) -> None:
        """Keep a rendered page (the least recently used go first; an old version's
        pages are never asked for again and age out)."""
        self._keep((version, PAGE, query), html)

    def _keep(self, key: tuple[str, str, str], html: str) -> None:
        self._pages[key] = html
        while len(self._pages) > self.pages_kept:
            self._pages.popitem(last=False)

    def fresh(self) -> public.Directory | None:
        """The directory, when it was checked recently enough to serve without asking the
        database (None: :meth:`get` must check it)."""
        if self.directory is not None and time.monotonic() - self.checked < self.seconds:
            return self.directory
        return None

    def kept_page(self, query: str) -> str | None:
        """A page kept for this query string of the fresh directory: served without a
        database session (four requests in five on a busy public page)."""
        directory = self.fresh()
        return self.page(directory.version, query) if directory is not None else None

    async def get(self, session: Session) -> public.Directory:
        """The current directory."""
        fresh = self.fresh()
        if fresh is not None:
            return fresh
        async with self.lock:
            fresh = self.fresh()  # another request may have checked it while this one waited
            if fresh is not None:
                return fresh
            version = await public.directory_version(session)
            directory = self.directory
            if directory is None or directory.version != version:
                directory = self.directory = await public.load_directory(session)
            self.checked = time.monotonic()
            return directory


DIRECTORY = web.AppKey("public_directory", DirectoryCache)


async def index(request: web.Request) -> web.Response:
    """The lookup page: the form, the villages found and one village's card (Q8); an
    unknown village is a page saying so, with status 404."""
    deps = request.app[DEPS]
    form = read_form(request.query)
    now = datetime.now(UTC)
    cache = request.app[DIRECTORY]
    user = request.get(USER, None)
    # a page without a card depends on the roster alone: served as rendered before
    cacheable = user is None and form.village is None
    page = cache.kept_page(request.query_string) if cacheable else None
    if page is not None:
        return web.Response(text=page, content_type="text/html")
    async with deps.db.glance() as session:  # the directory is cached; a card's reads are live
        directory = await cache.get(session)
        page = cache.page(directory.version, request.query_string) if cacheable else None
        if page is not None:
            return web.Response(text=page, content_type="text/html")
        found = await look_up(
            session, directory, form, now, now.astimezone(deps.settings.tz).date()
        )
    results, card = found.results, found.card
    search = {"county": found.county_id, "town": found.town_id, "q": form.q[: public.MAX_QUERY]}
    rows, prev_url, next_url = [], "", ""
    if results is not None:
        rows = [
            ResultRow(hit, _link(request, **search, page=results.page, village=hit.village_id))
            for hit in results.hits
        ]
        if results.page > 1:
            prev_url = _link(request, **search, page=results.page - 1)
        if results.page < results.pages:
            next_url = _link(request, **search, page=results.page + 1)
    missing = form.village if form.village is not None and card is None else ""
    unknown_county = _unknown_county(request.query, found)
    contacts = deps.settings.contacts
    response = deps.render(
        "index.html",
        user=user,  # the header offers the console to a logged-in user
        form_html=cache.form(directory.version, found, str(search["q"]), deps.templates),
        counties=found.counties,
        towns=found.towns,
        county_id=found.county_id,
        town_id=found.town_id,
        q=search["q"],
        q_error=QUERY_TOO_LONG if form.q_too_long else "",
        results=results,
        rows=rows,
        prev_url=prev_url,
        next_url=next_url,
        card=card,
        visits=[VisitRow(_when(v, request), v.place, v.counsel) for v in card.visits]
        if card
        else [],
        missing=missing[: public.MAX_QUERY],
        unknown_county=unknown_county,
        no_counsel=no_counsel(card.village, contacts) if card else "",
        service=SERVICE_CONTENT,
        legal_aid=legal_aid_line(contacts),
        contacts=contacts,
    )
    if missing:
        response.set_status(404)
    elif cacheable and card is None and response.text is not None:
        cache.keep(directory.version, request.query_string, response.text)
    return response


def _unknown_county(query: Mapping[str, str], found: Lookup) -> str:
    """The ``county`` asked for, cut short, when it names no county of the roster (not a
    number, or no such id): the page says so rather than quietly showing another."""
    raw = (query.get("county") or "").strip()
    if not raw or _positive_int(raw) in {c.id for c in found.counties}:
        return ""
    return raw[:COUNTY_SHOWN] + ("…" if len(raw) > COUNTY_SHOWN else "")


COUNTY_SHOWN = 20  # characters of an unknown county id repeated on the page


async def favicon(_: web.Request) -> web.FileResponse:
    """The site icon browsers ask for at /favicon.ico."""
    return web.FileResponse(STATIC_DIR / "favicon.ico")


def setup(app: web.Application) -> None:
    """Register the public routes and the static files."""
    app[DIRECTORY] = DirectoryCache(app[DEPS].settings.web.public_cache_seconds)
    app.router.add_get("/", index, name=INDEX)
    app.router.add_get("/favicon.ico", favicon, name="public-favicon")
    app.router.add_static("/static", str(STATIC_DIR), name="public-static")
