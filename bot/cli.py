"""The ``vcbot`` command line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from bot.cli_support import friendly, settings_or_exit, with_db
from bot.ledger_cli import campaign, logs, reminders, report
from bot.runtime import Runtime, build_runtime
from config import Settings
from storage.db import Database

R = TypeVar("R")


def with_runtime(body: Callable[[Runtime], Awaitable[R]]) -> R:
    """Build the runtime, run ``body`` in an event loop, and close it."""

    async def run(db: Database, settings: Settings) -> R:
        return await body(build_runtime(settings, db))

    return with_db(run)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="打印调试日志")
def main(verbose: bool) -> None:
    """村法律顾问助手（一村一法律顾问）。"""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.group()
def db() -> None:
    """数据库迁移。"""


@db.command("upgrade")
@friendly
def db_upgrade() -> None:
    """把数据库升级到最新结构（Alembic）。"""
    from storage.migrate import upgrade

    settings = settings_or_exit()
    upgrade(settings.database_url)
    click.echo(f"数据库已是最新结构：{_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.group()
def roster() -> None:
    """律师派驻名册。"""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def roster_import(file: Path) -> None:
    """导入名册 CSV（整体导入：任何一行有错则整个文件不导入）。"""
    from storage.services.roster import import_roster

    text = _read_text(file)
    summary = with_runtime(lambda rt: import_roster(rt.db, text, rt.settings.quota, actor="cli"))
    click.echo(summary.describe() if summary.changed else f"已导入 {summary.rows} 行：没有变化。")


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} 不是 UTF-8 编码：请另存为 UTF-8 CSV") from None


@main.group()
def group() -> None:
    """聊天群。"""


@group.command("bind")
@click.argument("group_id")
@click.argument("village")
@click.option("--force", is_flag=True, help="群已绑定别的村时改绑")
@friendly
def group_bind(group_id: str, village: str, force: bool) -> None:
    """把群 GROUP_ID 绑定到村 VILLAGE（村编号或村名）。"""
    from storage.services.directory import bind_group

    async def body(rt: Runtime) -> str:
        async with rt.db.transaction() as session:
            found = await bind_group(session, group_id, village, actor="cli", force=force)
            return f"群 {group_id} 已绑定到 {found.name}（{found.id}）。"

    click.echo(with_runtime(body))


@main.command()
@friendly
def chat() -> None:
    """控制台聊天：从标准输入读「发送者@群: 内容」，打印机器人发出的消息。"""
    from bot.chat_loop import run_console

    bad = with_runtime(lambda rt: run_console(rt, sys.stdin, sys.stdout, sys.stderr))
    if bad:
        sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-reminders", is_flag=True, help="不启动提醒调度")
@friendly
def serve(host: str, port: int, no_reminders: bool) -> None:
    """启动网页（首页和浏览器聊天模拟器）和提醒调度。"""
    from bot.server import serve_forever
    from storage.migrate import ensure_current

    settings = settings_or_exit()
    ensure_current(settings.database_url)
    serve_forever(settings, host, port, reminders=not no_reminders)


@main.group()
def demo() -> None:
    """演示数据（虚构的县）。"""


@demo.command("load")
@click.option("--reset", is_flag=True, help="先清空演示数据库")
@friendly
def demo_load(reset: bool) -> None:
    """载入虚构的演示县：镇、村、律师、派驻、群绑定和两个月的服务日志。"""
    from bot.demo import load_demo

    settings = settings_or_exit()
    if settings.mode != "demo":
        raise click.ClickException("演示数据只能在演示模式下载入：请设置 VCBOT_MODE=demo")
    click.echo(with_runtime(lambda rt: load_demo(rt, reset=reset)))


@main.command()
def classify() -> None:
    """逐行读入问题（标准输入），逐行输出 JSON：category、confidence、intents、keywords。"""
    import json

    from nlp import Classifier, classification_to_json

    classifier = Classifier(settings_or_exit().data_dir)
    for line in sys.stdin:
        result = classifier.classify(line.rstrip("\n"))
        sys.stdout.write(json.dumps(classification_to_json(result), ensure_ascii=False) + "\n")
    sys.stdout.flush()


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--misses", default=0, show_default=True, help="列出多少条分错的例子")
def eval_command(file: Path, misses: int) -> None:
    """在带标注的 JSONL 上评估分类器：准确率、macro-F1、分类表和混淆对。"""
    from nlp import Classifier, LexiconError
    from nlp.evaluate import evaluate_file, format_report

    try:
        report = evaluate_file(file, Classifier(settings_or_exit().data_dir).classify)
    except LexiconError as err:
        raise click.ClickException(str(err)) from None
    click.echo(format_report(report, show_misses=misses))


for command in (logs, report, campaign, reminders):
    main.add_command(command)
