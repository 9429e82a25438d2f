"""click's own messages in Chinese: the catalog covers what click can tell a user, its
compiled form agrees with its source, and the command line shows them."""

from __future__ import annotations

import gettext
from pathlib import Path

import click
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner

from bot.cli import main
from bot.commands.support import LOCALE_DIR

CATALOG = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages"
# click's messages no user of vcbot can meet: a programmer's mistakes in declaring
# commands, shell completion, colours, Windows' console and the editor's temp-file suffix
NOT_FOR_USERS = {
    "d",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument"
    " instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Choice({choices})",
    "Shell completion is not supported for Bash versions older than 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
}


def source() -> Catalog:
    with open(f"{CATALOG}.po", "rb") as f:
        return read_po(f)


def test_every_message_click_can_show_a_user_has_a_translation() -> None:
    folder = Path(click.__file__).parent
    wanted = set()
    for filename, _, message, _, _ in extract_from_dir(folder, [("**.py", "python")]):
        singular = message if isinstance(message, str) else message[0]
        if "_winconsole" not in filename and singular not in NOT_FOR_USERS:
            wanted.add(singular)
    catalog = source()
    untranslated = sorted(m for m in wanted if not (catalog.get(m) and catalog[m].string))
    assert untranslated == []  # a new click brought new messages: translate them in the .po


def test_the_compiled_catalog_agrees_with_its_source() -> None:
    with open(f"{CATALOG}.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in source():
        if not message.id:
            continue  # the header
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, "run make catalog"
        else:
            singular, plural = message.id[0], message.id[1]
            assert isinstance(message.string, tuple | list)  # one form: Chinese has no plural
            assert compiled.ngettext(singular, plural, 2) == message.string[0], "make catalog"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose terminal says English, over a new database."""
    monkeypatch.setenv("LANGUAGE", "en_US")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    return CliRunner()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["report", "--foo"], "错误：没有选项 '--foo'。 （是不是想用：'--format'？）"),
        (["logs", "import"], "错误：缺少参数 'FILE'"),
        (["nosuch"], "错误：没有命令 'nosuch'。"),
        (["report", "--format", "xyz"], "错误：'--format' 的取值无效：'xyz' 不在可选范围内"),
        (["serve", "--port", "abc"], "错误：'--port' 的取值无效：'abc' 不是数字"),
        (["report", "--month"], "错误：选项 '--month' 后面要跟 1 个值。"),
        (["report", "--month", "2026-13"], "错误：取值无效：月份应写成 YYYY-MM"),
        (
            ["roster", "import", "/no/such/file.csv"],
            "错误：'FILE' 的取值无效：文件 '/no/such/file.csv' 不存在。",
        ),
    ],
)
def test_click_refusals_are_in_chinese_whatever_the_locale(
    runner: CliRunner, args: list[str], said: str
) -> None:
    out = runner.invoke(main, args)
    assert out.exit_code == 2
    assert said in out.stderr
    for english in ("Usage", "Error", "No such", "Missing", "Invalid", "Did you mean"):
        assert english not in out.stderr


def test_help_is_in_chinese(runner: CliRunner) -> None:
    out = runner.invoke(main, ["report", "--help"])
    assert out.exit_code == 0
    assert "用法：" in out.stdout
    assert "选项" in out.stdout
    assert "显示本帮助并退出。" in out.stdout
    assert "Show this message" not in out.stdout
