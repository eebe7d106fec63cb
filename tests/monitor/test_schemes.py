import itertools

import pytest

from monitor.config import SchemeConfig
from monitor.errors import SchemeError
from monitor.schemes import Matcher, build_scheme, parse_expression
from monitor.normalize import fold


def matcher(*pairs, keep_everything=False):
    return Matcher([build_scheme(name=n, expression=e) for n, e in pairs], keep_everything=keep_everything)


@pytest.mark.parametrize("text, expected", [
    pytest.param("太谷区部分小区停水", ["停水"], id="region-and-subject"),
    pytest.param("平遥县今冬停暖引发不满", ["停水"], id="other-region-other-subject"),
    pytest.param("太谷区开展停水应急演练", [], id="excluded"),
    pytest.param("太谷区召开经济工作会议", [], id="region-only"),
    pytest.param("大同市停水", [], id="subject-only"),
])
def test_it_matches_the_issue_example_expression(text, expected):
    m = matcher(("停水", "(太谷|平遥)+(停水|断水|停暖)-演练"))
    assert m.match(fold(text)) == expected


def test_it_reads_full_width_operators_as_typed_by_chinese_input_methods():
    m = matcher(("s", "（太谷｜平遥）＋停水－演练"))
    assert m.match(fold("平遥停水")) == ["s"]
    assert m.match(fold("平遥停水演练")) == []


def test_a_space_between_words_means_both():
    m = matcher(("s", "太谷 停水"))
    assert m.match(fold("太谷停水")) == ["s"]
    assert m.match(fold("太谷")) == []


def test_or_binds_looser_than_and():
    m = matcher(("s", "太谷+停水|大同"))
    assert m.match(fold("大同")) == ["s"]
    assert m.match(fold("太谷")) == []


def test_quoted_phrases_may_hold_operator_characters():
    m = matcher(("s", '"COVID-19"+太原'))
    assert m.match(fold("太原 covid-19 通报")) == ["s"]


def test_it_folds_traditional_text_before_matching():
    m = matcher(("s", "太谷+停水"))
    assert m.match(fold("太谷區停水，居民無水可用")) == ["s"]


def test_one_text_can_match_several_schemes_in_configuration_order():
    m = matcher(("b", "停水"), ("a", "太谷"))
    assert m.match(fold("太谷停水")) == ["b", "a"]


@pytest.mark.parametrize("expression, position, reason", [
    pytest.param("(太谷|平遥", 1, "never closed", id="unclosed-paren"),
    pytest.param("太谷+", 4, "missing at the end", id="dangling-plus"),
    pytest.param("-演练", 1, "exclusion needs", id="only-exclusion"),
    pytest.param("太谷||平遥", 4, "expected", id="double-or"),
    pytest.param("太谷+()", 5, "empty parentheses", id="empty-parens"),
    pytest.param('太谷+"停水', 4, "quote is never closed", id="unclosed-quote"),
    pytest.param("太谷)", 3, "unexpected", id="stray-close"),
])
def test_a_parse_error_names_the_scheme_and_the_position(expression, position, reason):
    with pytest.raises(SchemeError) as info:
        parse_expression(expression, scheme="晋中停水")
    assert info.value.position == position
    assert reason in str(info.value)
    assert "晋中停水" in str(info.value)


def test_word_lists_combine_as_regions_and_subjects_without_exclusions():
    spec = build_scheme(name="词表", regions=["太谷", "平遥"], subjects=["停水", "断水"], exclusions=["演练"])
    m = Matcher([spec])
    assert m.match(fold("平遥断水")) == ["词表"]
    assert m.match(fold("平遥断水演练")) == []
    assert m.match(fold("平遥")) == []


def test_a_scheme_with_nothing_to_match_is_refused():
    with pytest.raises(SchemeError, match="needs an expression"):
        build_scheme(name="空", exclusions=["演练"])


def test_a_bad_expression_in_config_is_a_validation_error_naming_the_scheme():
    with pytest.raises(ValueError) as info:
        SchemeConfig(name="坏方案", expression="(太谷|平遥+停水")
    assert "坏方案" in str(info.value) and "position 1" in str(info.value)


def test_an_empty_matcher_matches_nothing():
    assert Matcher([]).match(fold("太谷停水")) == []


def test_the_compiled_matcher_agrees_with_the_expression_tree_on_every_combination_of_words():
    expressions = ["(甲|乙)+(丙|丁)-戊", "甲 乙|丙-丁", "((甲|乙)-丙)|(丁+戊)", "甲-(乙|丙)", "(甲|(乙+丙))+丁-(戊|甲乙)", "甲"]
    schemes = [build_scheme(name=str(i), expression=e) for i, e in enumerate(expressions)]
    schemes.append(build_scheme(name="lists", regions=["甲", "乙"], subjects=["丙"], exclusions=["丁", "戊"]))
    matcher = Matcher(schemes)
    words = ["甲", "乙", "丙", "丁", "戊"]
    for n in range(len(words) + 1):
        for chosen in itertools.combinations(words, n):
            text = "，".join(chosen)
            expected = [s.name for s in schemes if s.tree.evaluate(matcher.words_in(text))]
            assert matcher.match(text) == expected, chosen
