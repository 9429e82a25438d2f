"""``vcbot classify`` and ``vcbot eval``: the question classifier from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.commands.support import settings_or_exit


@click.command()
def classify() -> None:
    """逐行读入问题（标准输入），逐行输出 JSON：category、confidence、intents、keywords。"""
    import json

    from nlp import Classifier, classification_to_json

    classifier = Classifier(settings_or_exit().data_dir)
    for line in sys.stdin:
        result = classifier.classify(line.rstrip("\n"))
        sys.stdout.write(json.dumps(classification_to_json(result), ensure_ascii=False) + "\n")
    sys.stdout.flush()


@click.command("eval")
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
