"""``vcbot demo``: the fictional demo county."""

from __future__ import annotations

import click

from bot.commands.support import friendly, settings_or_exit, with_runtime


@click.group()
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
