"""Behaviour of the question classifier (issue 3) on key villager sentences."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp import (
    CATEGORIES,
    Classification,
    Classifier,
    classification_to_json,
    classify,
    default_classifier,
    default_data_dir,
    load_guidance,
)
from nlp.segment import Segmenter


def _data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped data folder that a test may edit."""
    return Path(shutil.copytree(default_data_dir(), tmp_path / "data"))


def test_misspelled_boss_owing_wages_is_a_labor_question() -> None:
    result = classify("老班欠我工钱咋办")
    assert result.category == "labor"
    assert result.is_question


def test_occupied_homestead_is_homestead() -> None:
    assert classify("宅基地被占").category == "homestead"


def test_homestead_homophone_is_understood() -> None:
    assert classify("俺家宅机地被人占了").category == "homestead"


@pytest.mark.parametrize(
    "word", ["宅基地", "土地承包经营权", "劳动仲裁", "外嫁女", "人身安全保护令"]
)
def test_legal_words_stay_one_token(word: str) -> None:
    assert word in default_classifier().tokens(f"俺家的{word}问题咋办")


def test_empty_text_is_other_and_chitchat() -> None:
    result = classify("")
    assert (result.category, result.intents) == ("other", frozenset({"chitchat"}))


def test_emoji_only_is_chitchat() -> None:
    assert classify("👍👍🌹").intents == frozenset({"chitchat"})


@pytest.mark.parametrize(
    "text", ["吃了吗", "哈哈", "收到", "谢谢律师", "明天几点开会", "多谢老板的红包"]
)
def test_greetings_thanks_and_acks_are_chitchat(text: str) -> None:
    result = classify(text)
    assert (result.category, result.intents) == ("other", frozenset({"chitchat"}))


def test_negated_topic_does_not_count() -> None:
    result = classify("不是借钱的事，是他把我打伤了")
    assert result.category == "tort"
    assert "借钱" not in result.keywords


def test_negation_does_not_cross_a_clause() -> None:
    assert classify("不是我说，他借钱三年了还不还").category == "debt"


def test_unpaid_wages_with_mei_is_not_a_negation() -> None:
    assert classify("老板没给工资").category == "labor"


@pytest.mark.parametrize(
    "text",
    [
        "全村人明天要集体上访",
        "大家要去堵路",
        "他说要跳楼",
        "俺娘喝农药了",
        "村口打起来了",
        "要去省里上访",
    ],
)
def test_group_incident_and_safety_risks_are_urgent(text: str) -> None:
    result = classify(text)
    assert result.is_urgent
    assert result.is_question


@pytest.mark.parametrize("text", ["请不起律师", "免费法律援助怎么申请"])
def test_asking_for_free_help_is_legal_aid(text: str) -> None:
    assert "legal_aid" in classify(text).intents


@pytest.mark.parametrize("text", ["律师不回消息", "顾问从来不来村里"])
def test_complaint_about_the_service_is_complaint(text: str) -> None:
    result = classify(text)
    assert "complaint" in result.intents
    assert result.category == "other"


def test_legal_word_with_question_marker_is_a_question() -> None:
    assert classify("邻居的狗咋办").is_question


def test_service_question_without_category_is_other_question() -> None:
    result = classify("法律顾问电话多少")
    assert (result.category, result.is_question) == ("other", True)


def test_keywords_are_strongest_first() -> None:
    assert classify("俺家宅基地被邻居占了").keywords[0] == "宅基地"


def test_confidence_lies_in_unit_interval() -> None:
    texts = ["老班欠我工钱", "哈哈", "", "离婚 彩礼 车祸 工资"]
    assert all(0.0 <= classify(t).confidence <= 1.0 for t in texts)


def test_category_below_threshold_is_other(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    lexicon = data / "lexicon.tsv"
    lexicon.write_text(
        lexicon.read_text(encoding="utf-8").replace("@threshold\t0.3", "@threshold\t0.99"),
        encoding="utf-8",
    )
    assert Classifier(data).classify("老班欠我工钱咋办").category == "other"


def test_classifier_reads_another_data_folder(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    with (data / "lexicon.tsv").open("a", encoding="utf-8") as handle:
        handle.write("criminal\t薅羊毛\t3\n")
    assert Classifier(data).classify("有人薅羊毛咋办").category == "criminal"


def test_default_classifier_is_built_once() -> None:
    assert default_classifier() is default_classifier()


def test_json_form_has_exactly_the_four_fields() -> None:
    result = Classification("labor", 0.8, ("工钱",), frozenset({"urgent", "question"}))
    assert classification_to_json(result) == {
        "category": "labor",
        "confidence": 0.8,
        "intents": ["question", "urgent"],
        "keywords": ["工钱"],
    }


def test_guidance_covers_every_category() -> None:
    assert set(load_guidance()) == set(CATEGORIES)


def test_labor_guidance_lists_channels_in_order() -> None:
    assert load_guidance()["labor"].channels == ("劳动监察投诉", "劳动仲裁", "诉讼")


def test_jieba_start_up_log_is_silenced(capfd: pytest.CaptureFixture[str]) -> None:
    Classifier().warm_up()
    assert "prefix dict" not in capfd.readouterr().err


def test_fused_segmentation_equals_jieba_without_hmm() -> None:
    segmenter = Segmenter([("宅基地", 20000), ("老班", None)])
    lines = (Path(__file__).resolve().parents[1] / "data" / "questions_dev.jsonl").read_text(
        "utf-8"
    )
    texts = [json.loads(line)["text"] for line in lines.splitlines()]
    texts += ["abc 12 def，x1y 宅基地\r\n好  的 ok!!", "A-1.5%地", "\t"]
    assert all(segmenter.cut(text) == segmenter.jieba_cut(text) for text in texts)


# Long public-style questions: background first, the asking sentence last.
BACKGROUND_THEN_QUESTION = (
    "本人在工厂上班，公司一直不签劳动合同，每天加班。邻居盖房子挡住了我家采光，能要求他拆除吗？"
)


def test_the_sentence_that_asks_outweighs_the_background() -> None:
    assert classify(BACKGROUND_THEN_QUESTION).category == "neighbor"


def test_question_weight_one_turns_the_weighting_off(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    lexicon = data / "lexicon.tsv"
    text = lexicon.read_text(encoding="utf-8")
    assert "@question_weight\t1.5" in text
    lexicon.write_text(text.replace("@question_weight\t1.5", "@question_weight\t1"), "utf-8")
    assert Classifier(data).classify(BACKGROUND_THEN_QUESTION).category == "labor"


def test_a_single_sentence_is_not_weighted() -> None:
    one_sentence = BACKGROUND_THEN_QUESTION.replace("。", "，")
    assert classify(one_sentence).category == "labor"


def test_disputing_a_status_keeps_the_topic() -> None:
    result = classify("包工头说没有劳动合同不算工伤，能申请工伤认定吗？")
    assert result.category == "labor"
    assert "工伤" in result.keywords


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("公司未签劳动合同，可以要求双倍工资吗", "labor"),
        ("父亲去世前立了遗嘱，请问遗嘱有效吗？", "inheritance"),
        ("丈夫婚内借的网贷，属于夫妻共同债务吗？", "marriage"),
        ("交警认定对方全责，交强险怎么赔？", "traffic"),
        ("醉酒驾驶机动车会被判处有期徒刑吗？", "criminal"),
        ("对环保局的行政处罚决定不服，多久内申请行政复议？", "administrative"),
    ],
)
def test_formal_legal_terms_are_understood(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    "text",
    [
        "俺爹的房子 俺能分不",  # a modal verb and 不 ending the clause
        "老板不给工钱 可以去劳动局告他咧",  # dialect particle at the end
        "这个合同签了 还能反悔伐",
        "没签劳动合同 能算工伤麽",
        "被村里的混混打了一顿",  # a harm suffered, no question marker
        "有件事想麻烦律师",
        "律师给说说 俺家那块承包地的事",  # a request phrased as an imperative
        "男人天天喝酒 喝多了就打俺",
    ],
)
def test_questions_without_a_question_mark_are_questions(text: str) -> None:
    assert classify(text).is_question


@pytest.mark.parametrize(
    "text",
    [
        "明天开会不",  # 不 at the end but no modal verb: an invitation
        "今晚来俺家喝酒不",
        "红包抢了没",  # a clause-end particle does not outweigh chit-chat words
        "好的律师 明天见",
        "多谢律师 钱要回来了",
        "转发 防电信诈骗 大家注意",
        "村委会通知 明天发种粮补贴",
    ],
)
def test_invitations_notices_and_thanks_stay_chitchat(text: str) -> None:
    assert not classify(text).is_question


def test_clause_end_particle_counts_only_at_the_end_of_a_clause() -> None:
    # 咧 inside a clause is not a question particle; at the end it is
    assert not classify("好咧 俺家地里的麦子收完了").is_question
    assert classify("俺家地里的麦子让人割了 能告他咧").is_question


def test_complaint_cue_does_not_fire_on_money_not_recovered() -> None:
    result = classify("律师给指条路 工钱一直要不回来")
    assert result.category == "labor"
    assert "complaint" not in result.intents


def test_data_without_clause_end_cues_still_loads(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    intents = data / "intents.tsv"
    lines = intents.read_text("utf-8").splitlines()
    intents.write_text("\n".join(x for x in lines if not x.startswith("ask_end")) + "\n", "utf-8")
    classifier = Classifier(data)
    assert not classifier.classify("俺爹的房子 俺能分不").is_question
    assert classifier.classify("邻居的狗咋办").is_question
