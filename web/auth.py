"""Who is asking: console logins in encrypted session cookies, API bearer tokens, CSRF
tokens on every form, the login lockout, and the rule that only ``public-`` routes are
open to everyone.

Every route is named. ``public-*`` and ``simulator-*`` routes are open (the simulator is
never served in production); ``api-*`` routes answer 401 JSON without a token or a login;
every other route (``console-*``, and ``session-*`` which reads no county's data) is the
console's and sends a stranger to ``/login``. ``?county=`` outside the user's scope is
refused with 403 on every protected route. Scope (which
counties a user sees) is checked by each view through :mod:`storage.services.scope`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import Session, get_session, new_session
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from config import Settings
from storage.errors import Unauthenticated
from storage.models import BureauUser
from storage.services import accounts
from storage.services.scope import Scope, narrowed
from web.deps import DEPS
from web.errors import json_error
from web.params import form_of

OPEN_PREFIXES = ("public-", "simulator-")
COOKIE = "vcbot_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
USER = web.RequestKey("user", BureauUser)


def session_key(settings: Settings) -> bytes:
    """The 32-byte cookie key: derived from ``secret_key``; random per process without one
    (development and demo: logins then last until the server restarts)."""
    if settings.secret_key:
        return hashlib.sha256(b"vcbot-session:" + settings.secret_key.encode()).digest()
    return os.urandom(32)


def setup(app: web.Application, settings: Settings) -> None:
    """Encrypted, HttpOnly, SameSite=Lax session cookies, then the auth middleware."""
    storage = EncryptedCookieStorage(
        session_key(settings),
        cookie_name=COOKIE,
        max_age=settings.web.session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=(
            settings.mode == "production"
            if settings.web.cookie_secure is None
            else settings.web.cookie_secure
        ),
    )
    setup_session(app, storage)
    app.middlewares.append(authenticate)


def route_name(request: web.Request) -> str:
    """The name of the matched route ("" for none: a 404 or a static file)."""
    resource = request.match_info.route.resource
    return (resource.name or "") if resource is not None else ""


def is_open(name: str) -> bool:
    """True for routes everyone may use."""
    return not name or name.startswith(OPEN_PREFIXES)


def is_api(name: str) -> bool:
    """True for the JSON API's routes."""
    return name.startswith("api-")


def current_user(request: web.Request) -> BureauUser:
    """The logged-in user of a protected route (set by :func:`authenticate`)."""
    if USER not in request:
        raise Unauthenticated("请先登录")
    return request[USER]


def user_scope(request: web.Request) -> Scope:
    """What the current user may see."""
    return Scope.of_user(current_user(request))


def now(request: web.Request) -> datetime:
    """The current time in the deployment's zone."""
    return datetime.now(request.app[DEPS].settings.tz)


def client_address(request: web.Request) -> str:
    """The peer's address (the lockout's key besides the name)."""
    return (request.remote or "unknown")[:64]


async def _token_user(request: web.Request) -> BureauUser | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    async with request.app[DEPS].db.read() as session:
        return await accounts.user_of_token(session, token.strip())


async def _session_user(request: web.Request, session: Session) -> BureauUser | None:
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    async with request.app[DEPS].db.read() as db_session:
        user = await accounts.user_by_id(db_session, user_id)
    if user is None or session.get("epoch") != user.session_epoch:
        session.invalidate()  # disabled, removed or logged out since: the login ends now
        return None
    return user


def _deny(request: web.Request, name: str, message: str) -> web.StreamResponse:
    if is_api(name) or request.method != "GET":
        return json_error(401, message)
    target = request.path_qs
    raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set ``request["user"]`` from a bearer token or the session; refuse strangers on
    protected routes; check the CSRF token of cookie-authenticated unsafe requests."""
    name = route_name(request)
    bearer = "Authorization" in request.headers
    if bearer:
        user = await _token_user(request)
        if user is None and not is_open(name):
            return json_error(401, "API 令牌无效或已作废")
    else:
        session = await get_session(request)
        user = await _session_user(request, session)
        if request.method in UNSAFE and name and not name.startswith("simulator-"):
            await check_csrf(request, session)
    if user is None and not is_open(name):
        return _deny(request, name, "请先登录")
    if user is not None:
        request[USER] = user
    if user is not None and not is_open(name) and request.query.get("county"):
        await _check_county(request, user, request.query["county"])
    return await handler(request)


async def _check_county(request: web.Request, user: BureauUser, county: str) -> None:
    """Any protected route given ``?county=`` outside the user's scope answers 403 (the
    views narrow by it too; this makes it hold for every route, present and future)."""
    async with request.app[DEPS].db.read() as session:
        await narrowed(session, Scope.of_user(user), county.strip()[:64])


def csrf_token(session: Session) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


async def check_csrf(request: web.Request, session: Session) -> None:
    """Refuse an unsafe request without the session's CSRF token (form field or header),
    or from another site (Origin)."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="跨站请求被拒绝")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await form_of(request)
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = session.get("csrf")
    if not (isinstance(expected, str) and sent and hmac.compare_digest(sent, expected)):
        raise web.HTTPForbidden(text="表单已过期或缺少校验码（CSRF），请刷新页面后重试")


async def log_in(request: web.Request, user: BureauUser) -> None:
    """A fresh session for ``user`` (a new id and CSRF token: no session fixation)."""
    session = await new_session(request)
    session["user_id"] = user.id
    session["epoch"] = user.session_epoch
    session["csrf"] = secrets.token_urlsafe(24)


async def log_out(request: web.Request) -> None:
    """End the session."""
    session = await get_session(request)
    session.invalidate()
