"""``/login`` and ``/logout``: the console's front door."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from storage.errors import Throttled
from storage.services import accounts
from web.auth import client_address, current_user, log_in, log_out, now
from web.deps import DEPS
from web.pages import render
from web.params import form_of


def _safe_next(target: str) -> str:
    r"""Only a path on this site: no scheme, no host, no ``//`` or ``/\\``, and no control
    character or space anywhere (browsers drop tabs and newlines, which would turn
    ``/\t/evil`` into ``//evil``); anything else goes to the console's first page."""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)
        and not parts.scheme
        and not parts.netloc
        and len(target) <= 2048
    ):
        return target
    return "/console/"


async def login_form(request: web.Request) -> web.Response:
    """The login form."""
    target = _safe_next(request.query.get("next", "/console/"))
    return await render(request, "login.html", next=target, username="", error="")


async def login_submit(request: web.Request) -> web.Response:
    """Check the name and password; a session on success, the form again on failure,
    429 while the name or the address is locked out."""
    deps = request.app[DEPS]
    form = await form_of(request)
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    target = _safe_next(str(form.get("next", "/console/")))
    try:
        async with deps.db.transaction() as session:
            user = await accounts.attempt_login(
                session,
                username,
                password,
                address=client_address(request),
                now=now(request),
                rules=deps.settings.web,
            )
    except Throttled as err:
        response = await render(
            request, "login.html", status=429, next=target, username=username, error=str(err)
        )
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    if user is None:
        return await render(
            request,
            "login.html",
            status=401,
            next=target,
            username=username,
            error="用户名或密码不对（连续失败多次将暂时锁定）",
        )
    await log_in(request, user)
    raise web.HTTPSeeOther(target)


async def logout(request: web.Request) -> web.Response:
    """End the session (audited) and go back to the login form."""
    deps = request.app[DEPS]
    user = current_user(request)
    async with deps.db.transaction() as session:
        await accounts.record_logout(session, user, now(request))
    await log_out(request)
    raise web.HTTPSeeOther("/login")


def setup(app: web.Application) -> None:
    """Register the login routes."""
    app.router.add_get("/login", login_form, name="public-login")
    app.router.add_post("/login", login_submit, name="public-login-submit")
    app.router.add_post("/logout", logout, name="session-logout")
