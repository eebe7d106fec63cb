"""`yuqing user`: create users (CONTRACT.md), list, disable, set passwords, issue API tokens."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from yuqing.cli import main
from yuqing.db import make_engine
from yuqing.tables import ApiToken, User
from yuqing.web.accounts import verify_password


@pytest.fixture
def config_file(tmp_path, db_url):
    """A copy of the example config pointing at this test's database."""
    root = Path(__file__).resolve().parents[2]
    text = (root / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/yuqing.db"', f'url = "{db_url}"', 1)
    text = text.replace('state_dir = "var"', f'state_dir = "{tmp_path / "state"}"', 1)
    text = text.replace('include = "directory/', f'include = "{root}/directory/')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def user_named(db_url, name):
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return s.exec(select(User).where(User.username == name)).first()
    finally:
        engine.dispose()


def test_user_add_with_a_password_file_creates_a_user_who_can_sign_in(config_file, db_url, tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text("a long password\n", encoding="utf-8")
    assert main(["user", "add", "zhangsan", "--role", "supervisor", "--password-file", str(secret),
                 "--config", config_file]) == 0
    user = user_named(db_url, "zhangsan")
    assert user.role == "supervisor" and user.password_hash.startswith("$argon2id$")
    assert verify_password(user, "a long password") and not verify_password(user, "a long password\n")
    assert "zhangsan" in capsys.readouterr().out


def test_user_add_reads_a_piped_password(config_file, db_url, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped password 1\n"))
    assert main(["user", "add", "lisi", "--role", "officer", "--config", config_file]) == 0
    assert verify_password(user_named(db_url, "lisi"), "piped password 1")


def test_user_add_refuses_a_short_password_an_unknown_role_and_a_duplicate(config_file, tmp_path, capsys):
    short = tmp_path / "short"
    short.write_text("abc", encoding="utf-8")
    assert main(["user", "add", "wang", "--role", "officer", "--password-file", str(short), "--config", config_file]) == 1
    assert "至少需要 8 个字符" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["user", "add", "wang", "--role", "king", "--password-file", str(short), "--config", config_file])
    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    assert main(["user", "add", "wang", "--role", "officer", "--password-file", str(good), "--config", config_file]) == 0
    assert main(["user", "add", "wang", "--role", "officer", "--password-file", str(good), "--config", config_file]) == 1
    assert "已存在" in capsys.readouterr().err


def test_a_liaison_account_needs_a_known_locality_and_sector(config_file, db_url, tmp_path, capsys):
    """Issue 15.11: a liaison of a body that does not exist would see nothing; it is bad usage (exit 2)."""
    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    base = ["user", "add", "tg", "--role", "officer", "--password-file", str(good), "--config", config_file]
    assert main(base + ["--body-locality", "火星"]) == 2
    assert "--body-locality" in capsys.readouterr().err
    for bad in ("human_resources", "foo"):
        assert main(base + ["--body-locality", "山西省晋中市太谷区", "--body-sector", bad]) == 2
        err = capsys.readouterr().err
        assert bad in err and "hrss" in err          # the valid codes are listed
    assert main(base + ["--body-sector", "emergency"]) == 2
    assert user_named(db_url, "tg") is None
    assert main(base + ["--body-locality", "山西省晋中市太谷区", "--body-sector", "emergency"]) == 0
    user = user_named(db_url, "tg")
    assert (user.body_locality, user.body_sector) == ("山西省晋中市太谷区", "emergency")


def test_user_token_prints_a_token_whose_hash_alone_is_stored(config_file, db_url, tmp_path, capsys):
    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    main(["user", "add", "bot", "--role", "officer", "--password-file", str(good), "--config", config_file])
    capsys.readouterr()
    assert main(["user", "token", "bot", "--config", config_file]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("yq_") and len(token) > 40
    engine = make_engine(db_url)
    with Session(engine) as s:
        assert token not in s.exec(select(ApiToken)).one().token_hash
    engine.dispose()
    assert main(["user", "token", "nobody", "--config", config_file]) == 1


def test_user_disable_list_and_password(config_file, db_url, tmp_path, capsys):
    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    main(["user", "add", "zhao", "--role", "admin", "--password-file", str(good), "--config", config_file])
    assert main(["user", "disable", "zhao", "--config", config_file]) == 0
    main(["user", "list", "--config", config_file])
    assert "zhao\tadmin (disabled)" in capsys.readouterr().out
    new = tmp_path / "new"
    new.write_text("another long password", encoding="utf-8")
    assert main(["user", "password", "zhao", "--password-file", str(new), "--config", config_file]) == 0
    assert verify_password(user_named(db_url, "zhao"), "another long password")


def test_user_token_revoke_stops_the_token_and_every_command_is_audited(config_file, db_url, tmp_path, capsys):
    from responders.models import AuditEntry
    from yuqing.web.accounts import user_for_token

    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    assert main(["user", "add", "bot", "--role", "officer", "--password-file", str(good), "--config", config_file]) == 0
    assert main(["user", "token", "bot", "--token-name", "采集", "--config", config_file]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            row = s.exec(select(ApiToken)).one()
            row_id, issued = row.id, row.created_at
            assert user_for_token(s, issued, token) is not None
        assert main(["user", "tokens", "--config", config_file]) == 0
        listing = capsys.readouterr().out
        assert f"{row_id}\tbot\t采集" in listing and "active" in listing and token not in listing
        assert main(["user", "token", "revoke", str(row_id), "--config", config_file]) == 0
        with Session(engine) as s:
            assert user_for_token(s, issued, token) is None
            actions = [(a.actor, a.action) for a in s.exec(select(AuditEntry).order_by(AuditEntry.id))]
            details = [a.detail for a in s.exec(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == [("cli", "user_created"), ("cli", "token_issued"), ("cli", "token_revoked")]
        assert all(d.get("os_user") for d in details)
        assert main(["user", "token", "revoke", "99999", "--config", config_file]) == 1
    finally:
        engine.dispose()


def test_user_add_refuses_a_reserved_name(config_file, tmp_path, capsys):
    good = tmp_path / "good"
    good.write_text("long enough password", encoding="utf-8")
    assert main(["user", "add", "system", "--role", "admin", "--password-file", str(good), "--config", config_file]) == 1
    assert "保留" in capsys.readouterr().err
