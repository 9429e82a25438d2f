"""``vcbot user`` and ``vcbot token``: the bureaus' console accounts and API tokens."""

from __future__ import annotations

import sys

import click

from bot.commands.support import friendly, now, with_db
from bot.tabular import table
from config import Settings
from storage.db import Database
from storage.services import accounts
from storage.services.scope import LEVELS

OPERATOR = "cli"


@click.group()
def user() -> None:
    """司法局后台账号：新增、列出、停用。"""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再输一次密码", err=True))


@user.command("add")
@click.argument("name")
@click.option("--level", type=click.Choice(LEVELS), required=True, help="账号级别")
@click.option("--scope", default="", help="所辖的县（区）、市或省的名称（admin 不用）")
@click.option("--can-edit-closed", is_flag=True, help="可以修改已关账月份的服务日志")
@click.option("--password-stdin", is_flag=True, help="从标准输入读密码（一行），不提示")
@friendly
def user_add(
    name: str, level: str, scope: str, can_edit_closed: bool, password_stdin: bool
) -> None:
    """新增后台账号（密码以 argon2 散列保存）。"""
    password = _read_password(password_stdin)

    async def body(db: Database, settings: Settings) -> str:
        async with db.transaction() as session:
            new = accounts.NewUser(name, password, level, scope, can_edit_closed)
            created = await accounts.add_user(session, new, actor=OPERATOR, now=now(settings))
        where = created.scope or "全部"
        return f"已新增账号 {created.username}（{accounts.LEVEL_LABELS[level]}，范围：{where}）"

    click.echo(with_db(body))


@user.command("list")
@friendly
def user_list() -> None:
    """列出后台账号。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.read() as session:
            users = await accounts.list_users(session)
        if not users:
            return "还没有后台账号。用 vcbot user add 新增。"
        rows: list[list[str | int]] = [
            [
                u.username,
                accounts.LEVEL_LABELS.get(u.level, u.level),
                u.scope or "全部",
                "是" if u.can_edit_closed else "否",
                "已停用" if u.disabled else "启用",
            ]
            for u in users
        ]
        return table(["用户名", "级别", "范围", "可改已关账", "状态"], rows)

    click.echo(with_db(body))


@user.command("disable")
@click.argument("name")
@friendly
def user_disable(name: str) -> None:
    """停用账号：不能再登录，令牌作废，已登录的会话在下次请求时结束。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.transaction() as session:
            await accounts.disable_user(session, name, actor=OPERATOR, now=now(settings))
        return f"已停用账号 {name}，其 API 令牌均已作废"

    click.echo(with_db(body))


@click.group()
def token() -> None:
    """API 令牌（Authorization: Bearer …）。"""


@token.command("add")
@click.argument("name")
@click.option("--label", default="", help="令牌用途备注")
@friendly
def token_add(name: str, label: str) -> None:
    """为账号发放 API 令牌：只显示这一次，数据库只存其散列。"""

    async def body(db: Database, settings: Settings) -> str:
        async with db.transaction() as session:
            return await accounts.add_token(
                session, name, label=label, actor=OPERATOR, now=now(settings)
            )

    value = with_db(body)
    click.echo(f"账号 {name} 的 API 令牌（只显示这一次，请妥善保存）：", err=True)
    click.echo(value)
