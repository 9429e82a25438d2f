"""The menu of a private chat with the bot."""

from __future__ import annotations


def private_help(bot_name: str) -> str:
    """The menu shown in a private chat."""
    return (
        f"您好，我是{bot_name}。\n"
        "· 村民：请在本村群里提问，或发「我的律师 村名」查看法律顾问联系卡。\n"
        "· 法律顾问：在群里 @提问人 答复即可结案。"
    )
