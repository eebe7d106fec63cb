"""The place matcher: full paths, short and old names, ambiguity, common words, Traditional text."""

import pytest

from monitor.judgement import Gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(jurisdiction="山西省")


@pytest.mark.parametrize("text, expected", [
    pytest.param("山西省晋中市太谷区发生爆炸", ["山西省晋中市太谷区"], id="full-path-most-specific"),
    pytest.param("太谷一小区停水三天", ["山西省晋中市太谷区"], id="bare-short-county-in-jurisdiction"),
    pytest.param("太谷县一学校", ["山西省晋中市太谷区"], id="old-name-2019-change"),
    pytest.param("晋中平遥古城游客爆满", ["山西省晋中市平遥县"], id="short-city-and-county"),
    pytest.param("大同一煤矿发生事故", ["山西省大同市"], id="common-word-city-with-cue"),
    pytest.param("贵州省贵阳市观山湖区一小区", ["贵州省贵阳市观山湖区"], id="out-of-jurisdiction"),
    pytest.param("北京市朝阳区一小区停电", ["北京市朝阳区"], id="municipality-written-once"),
    pytest.param("四川甘孜州泸定县发生地震", ["四川省甘孜藏族自治州泸定县"], id="autonomous-prefecture-short"),
    pytest.param("南京鼓楼区和玄武区", ["江苏省南京市鼓楼区", "江苏省南京市玄武区"], id="ambiguous-by-sibling"),
    pytest.param("江苏南通通州区", ["江苏省南通市通州区"], id="ambiguous-by-ancestor"),
    pytest.param("阳泉市郊区一煤矿透水", ["山西省阳泉市郊区"], id="generic-after-its-city"),
    pytest.param("晋城市城区停暖", ["山西省晋城市城区"], id="chengqu-after-its-city"),
    pytest.param("臨汾市洪洞縣水庫", ["山西省临汾市洪洞县"], id="traditional-folded"),
    pytest.param("临汾市古县发生山火", ["山西省临汾市古县"], id="two-character-county"),
    pytest.param("应县木塔", ["山西省朔州市应县"], id="two-character-county-at-start"),
    # chinanews.com.cn/sh/2021/12-27/9638839.shtml: 县里 is a word, but not right after the county's own city.
    pytest.param("山西省运城市绛县里册峪一带", ["山西省运城市绛县"], id="two-character-county-before-a-suffix-word"),
])
def test_it_names_places_by_full_path(gazetteer, text, expected):
    assert list(gazetteer.find(text).paths) == expected


@pytest.mark.parametrize("text", [
    pytest.param("古县城墙修缮工程完工", id="gu-county-town"),
    pytest.param("纪念平定叛乱学术研讨会", id="pingding-as-verb"),
    pytest.param("左权将军纪念馆", id="zuoquan-as-person"),
    pytest.param("矿区发生透水事故", id="kuangqu-alone"),
    pytest.param("城区停暖", id="chengqu-alone"),
    pytest.param("实现长治久安", id="idiom-changzhi"),
    pytest.param("世界大同", id="idiom-datong"),
    pytest.param("响应县委号召", id="overlap-yingxian"),
    pytest.param("中山路拆迁", id="street-name"),
    pytest.param("研究院新建数字展厅", id="verb-xinjian"),
    pytest.param("暂停其医保定点资格", id="overlap-baoding"),
])
def test_it_never_takes_a_common_word_for_a_place(gazetteer, text):
    assert gazetteer.find(text).paths == ()


def test_it_leaves_an_unresolvable_name_out_and_says_why(gazetteer):
    result = gazetteer.find("朝阳区一小区停电")
    assert result.paths == ()
    assert "北京市朝阳区" in result.notes[0] and "吉林省长春市朝阳区" in result.notes[0]


def test_it_resolves_an_ambiguous_name_by_the_jurisdiction():
    # 城区 is generic (needs its city), but 鼓楼区 is ambiguous only: a 江苏 deployment takes the 南京/徐州 ones.
    g = Gazetteer(jurisdiction="福建省")
    assert g.find("鼓楼区一学校").paths == ("福建省福州市鼓楼区",)


def test_it_marks_whether_each_place_is_inside_the_jurisdiction(gazetteer):
    result = gazetteer.find("太原市与贵阳市签署合作协议")
    assert dict(zip(result.paths, result.inside)) == {"山西省太原市": True, "贵州省贵阳市": False}


def test_it_knows_every_county_level_unit_of_the_example_directory(gazetteer, example_config):
    from responders.directory import build_directory

    directory = build_directory(example_config.directory)
    counties = [loc for loc in directory.localities.values() if loc.level == "county"]
    assert len(counties) == 117
    missing = [loc.path for loc in counties if loc.path not in gazetteer.by_path]
    assert missing == []
