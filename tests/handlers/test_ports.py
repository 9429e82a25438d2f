"""The port's mention helpers: how a typed @-mention of the bot and of people is read."""

from __future__ import annotations

from handlers.ports import mentioned_names, split_bot_mention

BOT = "法律顾问助手"


def test_bot_mention_is_taken_out_and_flagged() -> None:
    m = split_bot_mention(f"@{BOT} 宅基地被占了怎么办", BOT)
    assert (m.text, m.to_bot, m.others) == ("宅基地被占了怎么办", True, ())


def test_bot_mention_glued_to_the_question_is_found() -> None:
    m = split_bot_mention(f"@{BOT}在吗", BOT)
    assert (m.text, m.to_bot) == ("在吗", True)


def test_other_mentions_are_kept_in_order() -> None:
    m = split_bot_mention("@张三 @李四，先找村委会", BOT)
    assert (m.to_bot, m.others) == (False, ("张三", "李四"))
    assert m.text == "@张三 @李四，先找村委会"


def test_names_end_at_punctuation_and_spaces() -> None:
    assert mentioned_names("@王大伯：按这个办，@李阿姨,也一样") == ("王大伯", "李阿姨")


def test_text_without_an_at_sign_mentions_nobody() -> None:
    assert mentioned_names("我家宅基地被占了，怎么办？") == ()
