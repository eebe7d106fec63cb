"""The organisation directory: indexes, vertical upper departments, aliases (A-16), zones, and config checks."""

from __future__ import annotations

import pytest

from responders.directory import build_directory
from yuqing.config import ConfigError, load_config

TG, JZ, SX, PY = "山西省晋中市太谷区", "山西省晋中市", "山西省", "山西省晋中市平遥县"
ZONE = "山西省晋中市晋中经济技术开发区"

MINIMAL = """
[directory]
jurisdiction = "山西省"
[[directory.divisions]]
city = "晋中市"
counties = ["太谷区", "平遥县"]
[[directory.coordination_templates]]
role = "government_office"
names = { province = "山西省人民政府办公厅", city = "{name}人民政府办公室", county = "{name}人民政府办公室" }
[[directory.department_templates]]
sector = "environment"
names = { province = "{name}生态环境厅", city = "{name}生态环境局", county = "{name}生态环境局" }
[[directory.department_templates]]
sector = "taxation"
names = { province = "国家税务总局{name}税务局", city = "国家税务总局{name}税务局" }
vertical = true
"""


def test_children_and_ancestors_come_from_the_tree(directories):
    d = directories["shanxi"]
    assert [c.name for c in d.children(JZ)][:3] == ["榆次区", "太谷区", "榆社县"]
    assert len(d.children(JZ)) == 11 and len(d.children(SX)) == 11
    assert d.children(TG) == []
    assert d.ancestors(TG) == [JZ, SX]
    assert d.city_of(TG) == JZ and d.city_of(JZ) == JZ and d.city_of(SX) is None


def test_the_deputy_in_charge_of_a_sector_is_found_and_others_fall_back(directories):
    d = directories["shanxi"]
    assert "taxation" in d.deputy_for(TG, "taxation").sectors
    assert d.deputy_for(TG, None) is not None          # the first deputy when no sector is known
    assert d.deputy_in_charge(TG, "taxation").name == d.deputy_for(TG, "taxation").name
    assert d.principal(TG).role == "principal" and d.principal("山西省晋中市太古区") is None


def test_explicit_people_replace_the_placeholders_of_their_role(directories):
    d = directories["mini"]
    deputies = [p for p in d.people_by_locality[TG] if p.role == "deputy"]
    assert {p.name for p in deputies} == {"王五", "赵六"}
    assert d.deputy_for(TG, "health").name == "王五"
    assert d.deputy_for(TG, "taxation").name == "赵六"
    assert d.deputy_in_charge(TG, "water") is None
    assert d.deputy_for(PY, "health").name.endswith("（示例）")


def test_people_of_a_body_are_indexed_by_role(directories):
    d = directories["shanxi"]
    liaisons = d.people((TG, "education"), "liaison")
    assert len(liaisons) == 1 and liaisons[0].email.endswith("@example.org")
    assert d.people((TG, "education"), "officer") == []
    assert len(d.people((SX, "government_office"), "officer")) == 3


def test_a_vertical_body_is_led_by_the_same_sector_one_level_up_unless_configured(directories):
    d = directories["mini"]
    assert d.upper(d.body(TG, "taxation")).key == (JZ, "taxation")
    assert d.upper(d.body(PY, "taxation")).key == (SX, "taxation")     # configured upper = 山西省
    assert d.upper(d.body(SX, "taxation")) is None                      # the national bureau is outside


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("山西省生态环境厅", (SX, "environment"), id="official-name"),
        pytest.param("省环保厅", (SX, "environment"), id="A-16-short-former-name"),
        pytest.param("山西省环境保护厅", (SX, "environment"), id="A-16-former-name"),
        pytest.param("晋中市太谷区环境保护局", (TG, "environment"), id="A-16-county-former-name"),
        pytest.param("省卫生计生委", (SX, "health"), id="A-16-former-health-commission"),
        pytest.param(" 晋中市教育局 ", (JZ, "education"), id="surrounding-spaces"),
    ],
)
def test_renamed_bodies_resolve_to_their_successor(directories, name, key):
    assert directories["mini"].resolve_name(name).key == key


def test_an_unknown_name_resolves_to_nothing(directories):
    assert directories["mini"].resolve_name("山西省环保局") is None


def test_a_zone_sits_beside_the_counties_with_its_own_bodies(directories):
    d = directories["mini"]
    zone = d.locality(ZONE)
    assert zone.level == "zone" and zone.parent == JZ
    assert d.body(ZONE, "environment").name == "晋中经济技术开发区生态环境分局"
    assert d.body(ZONE, "government_office").name == "晋中市晋中经济技术开发区管理委员会办公室"
    assert d.body(ZONE, "education") is None


def test_a_city_level_deployment_hangs_its_counties_off_the_root(directories):
    d = directories["guizhou"]
    root = d.locality("贵州省贵阳市")
    assert root.level == "city" and root.parent is None
    assert [c.name for c in d.children("贵州省贵阳市")] == ["南明区", "云岩区", "花溪区", "清镇市"]
    assert d.body("贵州省贵阳市南明区", "education").name == "贵阳市南明区教育局"
    assert d.profile == "guizhou"


def test_the_example_deployment_has_aliases_for_the_2018_renaming(example_config):
    d = build_directory(example_config.directory)
    assert d.resolve_name("省环保厅").key == (SX, "environment")
    assert d.resolve_name("山西省国土资源厅").key == (SX, "natural_resources")


def write(tmp_path, extra: str):
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return path


def problems(tmp_path, extra: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, extra), environ={})
    return [str(p) for p in info.value.problems]


def test_the_minimal_directory_is_valid(tmp_path):
    config = load_config(write(tmp_path, ""), environ={})
    assert build_directory(config.directory).body(TG, "environment") is not None


PERSON = "[[directory.people]]\nname = '张三'\nlocality = '{loc}'\nemail = 'z@example.org'\n"


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        pytest.param("[[directory.department_templates]]\nsector = 'schools'\nnames = { county = 'x' }\n",
                     "directory.department_templates[2].sector", "unknown sector", id="template-unknown-sector"),
        pytest.param("[[directory.department_templates]]\nsector = 'environment'\nnames = { county = 'x{name}' }\n",
                     "directory.department_templates[2].sector", "has two templates", id="template-twice"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'taxation'\nname = 'x'\nupper = '山西省晋中市平遥县'\n",
                     "directory.departments[0].upper", "is not above", id="upper-not-an-ancestor"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'environment'\nname = 'x'\nupper = '山西省晋中市'\n"
                     "[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'environment'\nname = 'y'\n",
                     "directory.departments[1]", "listed twice", id="department-twice"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'education'\nname = 'x'\nupper = '山西省'\n",
                     "directory.departments[0].upper", "has no education department", id="upper-without-body"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'environment'\nname = 'x'\naliases = ['山西省生态环境厅']\n",
                     "directory.departments[0].aliases[0]", "official name", id="A-16-alias-is-an-official-name"),
        pytest.param("[[directory.alias_templates]]\nsector = 'environment'\nnames = { city = ['环保局'], county = ['环保局'] }\n",
                     "directory.alias_templates[0].names.county", "would name both", id="A-16-alias-names-two-bodies"),
        pytest.param("[[directory.alias_templates]]\nsector = 'environment'\nrole = 'propaganda'\nnames = { city = ['x'] }\n",
                     "directory.alias_templates[0]", "exactly one of sector or role", id="alias-two-targets"),
        pytest.param(PERSON.format(loc=TG) + "role = 'liaison'\nsector = 'education'\n",
                     "directory.people[0]", "has no education body", id="person-of-missing-body"),
        pytest.param(PERSON.format(loc=TG) + "role = 'handler'\n", "directory.people[0]", "names no body", id="handler-without-body"),
        pytest.param(PERSON.format(loc=TG) + "role = 'deputy'\n", "directory.people[0].sectors", "names no sectors", id="deputy-without-sectors"),
        pytest.param(PERSON.format(loc=TG) + "role = 'principal'\n" + PERSON.format(loc=TG) + "role = 'principal'\n",
                     "directory.people[1]", "already has a principal", id="two-principals"),
        pytest.param(PERSON.format(loc=TG) + "role = 'principal'\nsector = 'environment'\n",
                     "directory.people[0]", "belongs to the locality", id="principal-with-body"),
        pytest.param("[[directory.people]]\nname = '李四'\nrole = 'deputy'\nlocality = '山西省晋中市太谷区'\nsectors = ['environment']\n",
                     "directory.people[0]", "has no channel", id="person-without-channel"),
        pytest.param("[directory.assignment]\n[[directory.assignment.policies]]\ntitle = '某办法'\ndrafting = [{ locality = '山西省', sector = 'education' }]\n",
                     "directory.assignment.policies[0].drafting[0]", "no body 山西省 education", id="policy-drafter-unknown"),
        pytest.param("[directory.assignment]\n[[directory.assignment.leads]]\nsectors = ['environment', 'education']\nlead = 'health'\n",
                     "directory.assignment.leads[0]", "is not one of sectors", id="lead-not-involved"),
        pytest.param("[directory.assignment]\nno_locality = 'guess'\n", "directory.assignment.no_locality", "triage", id="unknown-switch-value"),
        pytest.param("[[directory.rota]]\nofficer = 'a'\ndays = 'mon-fri'\nstart = '00:00'\nend = '24:00'\n",
                     "directory.rota", "00:00-24:00 uncovered on sat,sun", id="rota-weekend-gap"),
        pytest.param("[[directory.rota]]\nofficer = 'a'\ndays = 'mon-sun'\nstart = '08:00'\nend = '08:00'\n" + PERSON.format(loc=SX)
                     + "role = 'officer'\nbody_role = 'government_office'\n",
                     "directory.rota[0].officer", "not among the people", id="rota-unknown-officer"),
        pytest.param("[[directory.divisions]]\ncity = '大同市'\ncounties = ['平城区', '平城区']\n",
                     "directory.divisions[1].counties[1]", "listed twice", id="county-twice"),
    ],
)
def test_each_directory_mistake_is_named_by_its_key(tmp_path, extra, key, words):
    lines = problems(tmp_path, extra)
    assert any(line.startswith(key) and words in line for line in lines), lines
