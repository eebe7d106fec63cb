"""Channel config: each kind validated by its own model, errors naming the key path as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def config_with(tmp_path: Path, text: str, environ=None):
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('include = "directory/shanxi.toml"', f'include = "{ROOT / "directory/shanxi.toml"}"')
    path = tmp_path / "config.toml"
    path.write_text(base + text, encoding="utf-8")
    return load_config(path, environ=environ or {})


def problems(tmp_path, text, environ=None) -> list[str]:
    with pytest.raises(ConfigError) as e:
        config_with(tmp_path, text, environ)
    return [f"{p.path}: {p.message}" for p in e.value.problems]


def test_a_valid_channel_of_each_kind_loads_with_secrets_from_the_environment(tmp_path):
    config = config_with(tmp_path, '''
[[channels]]
name = "邮箱"
kind = "email"
host = "smtp.example.gov.cn"
sender = "y@example.gov.cn"
password = { env = "SMTP_PW" }
people = true

[[channels]]
name = "钉钉"
kind = "dingtalk"
access_token = { env = "DT" }
secret = { env = "DS" }
bodies = ["山西省晋中市太谷区/emergency"]
''', environ={"SMTP_PW": "pw", "DT": "tok-8f3a", "DS": "SECx"})
    email, ding = config.channels
    assert email.password.get_secret_value() == "pw" and ding.access_token.get_secret_value() == "tok-8f3a"
    assert [(r.count, r.per.total_seconds()) for r in ding.effective_limits()] == [(20, 60.0)]
    assert "tok-8f3a" not in repr(ding)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('[[channels]]\nname = "a"\nkind = "wecom"\nkey = { env = "NOPE" }\n',
                 "channels[0].key: environment variable NOPE is not set", id="missing-secret"),
    pytest.param('[[channels]]\nname = "a"\nkind = "wecom"\nkey = "k"\nacess_token = "x"\n',
                 "channels[0].acess_token: unknown key", id="typo"),
    pytest.param('[[channels]]\nname = "a"\nkind = "sms"\n', "channels[0]: unknown channel kind 'sms'", id="kind"),
    pytest.param('[[channels]]\nname = "a"\nkind = "wecom"\nkey = "k"\nbodies = ["太谷"]\n',
                 "channels[0].bodies", id="body-pattern"),
    pytest.param('[[channels]]\nname = "a"\nkind = "webhook"\nurl = "ftp://x"\n', "channels[0].url", id="url"),
])
def test_a_bad_channel_is_reported_with_its_key_path(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert any(p.startswith(expected) for p in found), found


def test_duplicate_names_are_reported(tmp_path):
    found = problems(tmp_path, '''
[[channels]]
name = "群"
kind = "wecom"
key = "k"

[[channels]]
name = "群"
kind = "wecom"
key = "k"
''')
    assert any(p.startswith("channels[1].name: duplicate channel name") for p in found)


def test_bad_quiet_hours_and_an_unknown_fallback_channel_are_reported(tmp_path):
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('include = "directory/shanxi.toml"', f'include = "{ROOT / "directory/shanxi.toml"}"')
    text = text.replace("[alerts]\n", '[alerts]\nquiet_hours = "22:00"\nfallback_channel = "无"\n')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={})
    assert any(p.path == "alerts.quiet_hours" for p in e.value.problems)
    text = text.replace('quiet_hours = "22:00"', 'quiet_hours = "22:00-07:00"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path, environ={})
    assert any(p.path == "alerts.fallback_channel" and "无" in p.message for p in e.value.problems)
