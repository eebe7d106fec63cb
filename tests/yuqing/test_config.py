"""The configuration: the shipped example loads, and every kind of mistake is named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from responders.directory import build_directory
from yuqing.cli import main
from yuqing.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """
[directory]
jurisdiction = "山西省"
[[directory.divisions]]
city = "晋中市"
counties = ["太谷区", "平遥县"]
"""


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path, environ=None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ=environ or {})
    return [str(p) for p in info.value.problems]


def test_the_example_deployment_covers_all_of_shanxi(example_config):
    directory = build_directory(example_config.directory)
    levels = [loc.level for loc in directory.localities.values()]
    assert levels.count("city") == 11
    assert levels.count("county") == 117
    assert directory.body("山西省晋中市太谷区", "education").name == "晋中市太谷区教育局"
    assert directory.body("山西省", "education").name == "山西省教育厅"
    assert directory.body("山西省晋中市太谷区", "taxation").vertical is True
    assert directory.body("山西省阳泉市城区", "government_office") is not None
    assert directory.body("山西省晋城市城区", "government_office") is not None


def test_the_example_directory_has_someone_reachable_in_every_role(example_config):
    directory = build_directory(example_config.directory)
    key = ("山西省晋中市太谷区", "emergency")
    for role in ("head", "liaison", "handler", "spokesperson"):
        people = directory.people(key, role)
        assert people and people[0].email.endswith("@example.org"), role
    assert directory.principal("山西省晋中市太谷区") is not None
    assert "emergency" in directory.deputy_for("山西省晋中市太谷区", "emergency").sectors
    assert len(directory.rota) == 3


def test_three_mistakes_give_three_lines_naming_three_keys(tmp_path):
    path = write(tmp_path, MINIMAL + """
[web]
port = "eighty"
[[sources]]
name = "a"
kind = "feed"
url = "http://127.0.0.1/rss"
interval = "5 fortnights"
[clocks]
calendar = "lunar"
""")
    lines = problems_of(path)
    assert len(lines) == 3
    assert lines[0].startswith("web.port (config.toml:")
    assert any(line.startswith("sources[0].interval (config.toml:") and "5 fortnights" in line for line in lines)
    assert any(line.startswith("clocks.calendar (config.toml:") for line in lines)


@pytest.mark.parametrize(
    ("snippet", "key", "words"),
    [
        pytest.param("[web]\nport = 70000\n", "web.port", "less than or equal", id="port-out-of-range"),
        pytest.param("[web]\nprot = 1\n", "web.prot", "unknown key", id="typo-key"),
        pytest.param("[[sources]]\nname = 'x'\nkind = 'rss'\n", "sources[0].kind", "feed", id="unknown-kind"),
        pytest.param("[[sources]]\nname = 'x'\nkind = 'feed'\n", "sources[0]", "needs url", id="feed-without-url"),
        pytest.param("[[sources]]\nname = 'x'\nkind = 'feed'\nurl='http://a'\ninterval='1s'\n", "sources[0]", "at least 10s", id="interval-too-short"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太古区'\nsector = 'education'\nname = 'x'\n",
                     "directory.departments[0].locality", "unknown locality", id="unknown-locality"),
        pytest.param("[[directory.departments]]\nlocality = '山西省晋中市太谷区'\nsector = 'schools'\nname = 'x'\n",
                     "directory.departments[0].sector", "unknown sector", id="unknown-sector"),
        pytest.param("[[directory.people]]\nname = '张三'\nrole = 'liaison'\nlocality = '山西省晋中市太谷区'\n",
                     "directory.people[0]", "has no channel", id="person-without-channel"),
        pytest.param("[[directory.rota]]\nofficer = 'a'\ndays = 'mon-sun'\nstart = '08:00'\nend = '20:00'\n",
                     "directory.rota", "00:00-08:00, 20:00-24:00 uncovered on mon,tue,wed,thu,fri,sat,sun", id="rota-gap"),
        pytest.param("[web]\nsecret_key = { env = 'NOPE_NOT_SET' }\n", "web.secret_key", "NOPE_NOT_SET is not set", id="missing-secret-env"),
        pytest.param("[web]\nsecret_key = { file = '/nonexistent/secret' }\n", "web.secret_key", "cannot read secret file", id="missing-secret-file"),
    ],
)
def test_each_kind_of_bad_value_is_named_by_its_key(tmp_path, snippet, key, words):
    lines = problems_of(write(tmp_path, MINIMAL + snippet))
    assert any(line.startswith(key) and words in line for line in lines), lines


def test_a_syntax_error_names_the_line(tmp_path):
    lines = problems_of(write(tmp_path, MINIMAL + "\n[web\nport = 1\n"))
    assert len(lines) == 1 and "TOML syntax error" in lines[0] and ":8)" in lines[0]


def test_environment_variables_win_over_the_file(tmp_path):
    path = write(tmp_path, MINIMAL + "[web]\nport = 8080\n")
    config = load_config(path, environ={"YUQING__WEB__PORT": "9191", "YUQING__STORAGE__URL": "sqlite:///x/y.db"})
    assert config.web.port == 9191
    assert config.database_url() == f"sqlite:///{tmp_path / 'x/y.db'}"


def test_a_bad_environment_value_says_which_variable(tmp_path):
    lines = problems_of(write(tmp_path, MINIMAL), environ={"YUQING__WEB__PORT": "abc"})
    assert lines and lines[0].startswith("web.port") and "YUQING__WEB__PORT" in lines[0]


def test_secrets_come_from_the_environment_or_a_file(tmp_path):
    (tmp_path / "key").write_text("from-file\n")
    path = write(tmp_path, MINIMAL + f"[web]\nsecret_key = {{ file = '{tmp_path / 'key'}' }}\n")
    assert load_config(path, environ={}).web.secret_key.get_secret_value() == "from-file"
    path = write(tmp_path, MINIMAL + "[web]\nsecret_key = { env = 'YQ_KEY' }\n")
    assert load_config(path, environ={"YQ_KEY": "s3"}).web.secret_key.get_secret_value() == "s3"


def test_check_config_exits_0_on_the_example_and_2_with_one_line_per_problem(tmp_path, capsys):
    assert main(["check-config", str(ROOT / "config.toml")]) == 0
    assert "129 localities" in capsys.readouterr().out
    bad = write(tmp_path, MINIMAL + "[web]\nport = -1\nhost = 3\n")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("web.port") and err[1].startswith("web.host")
