"""`yuqing user`: web UI users and API tokens from the command line (CONTRACT.md).

    yuqing user add NAME --role officer|supervisor|admin [--password-file F]
                         [--display-name N] [--body-locality PATH [--body-sector CODE]]
    yuqing user list
    yuqing user disable NAME
    yuqing user password NAME [--password-file F]
    yuqing user token NAME [--token-name LABEL]      # prints the new API token once
    yuqing user token revoke ID                      # the token stops working at once
    yuqing user tokens                               # id, user, label, issued, last used, revoked

Every change is written to the audit log with the actor `cli` and the
operating-system account that ran the command (shown on the admin page).

The password comes from `--password-file` (first line), else from standard
input when it is not a terminal (first line), else it is asked twice without
echo. Why never a `--password` option: command lines end up in shell history
and in `ps` output.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from sqlmodel import Session, select

from responders.directory import build_directory
from responders.vocabulary import SECTORS

from ..clock import SystemClock
from ..db import make_engine, upgrade
from ..tables import ApiToken, User
from ..web.accounts import (CLI_ACTOR, ROLES, AccountError, audit_account_change, create_user, issue_token,
                            revoke_token, set_password)
from .common import add_config_option, load_or_explain


def register(sub) -> None:
    p = sub.add_parser("user", help="manage web UI users and API tokens")
    actions = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="create a web UI user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-file", metavar="F", help="read the password from the first line of F")
    add.add_argument("--display-name", default=None)
    add.add_argument("--body-locality", default=None, metavar="PATH",
                     help="liaison account: only cases of this locality's body (full path, e.g. 山西省晋中市太谷区)")
    add.add_argument("--body-sector", default=None, metavar="CODE",
                     help="liaison account: the body's sector code (docs/rules.md 七), e.g. emergency, education, hrss")
    add_config_option(add)

    lst = actions.add_parser("list", help="list users")
    add_config_option(lst)

    dis = actions.add_parser("disable", help="disable a user (ends their sessions)")
    dis.add_argument("name")
    add_config_option(dis)

    pw = actions.add_parser("password", help="set a user's password (ends their sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-file", metavar="F")
    add_config_option(pw)

    tok = actions.add_parser("token", help="issue an API bearer token for a user (printed once); "
                                           "`token revoke ID` revokes one")
    tok.add_argument("name", help="the user (or `revoke`, followed by the token's id)")
    tok.add_argument("token_id", nargs="?", type=int, default=None, metavar="ID",
                     help="with `revoke`: the id of the token (see `yuqing user tokens`)")
    tok.add_argument("--token-name", default="cli", help="what the token is for")
    add_config_option(tok)

    toks = actions.add_parser("tokens", help="list API tokens (never the tokens themselves)")
    add_config_option(toks)

    p.set_defaults(handler=run)


def read_password(password_file: str | None, *, stdin=None) -> str:
    """Return the password from the file, piped standard input, or an interactive prompt (asked twice)."""
    stdin = stdin or sys.stdin
    if password_file:
        lines = Path(password_file).read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码: ")
    if getpass.getpass("再输入一次: ") != first:
        raise AccountError("两次输入的密码不一致")
    return first


def body_problem(config, locality: str | None, sector: str | None) -> str | None:
    """Return why a liaison's body (`--body-locality`, `--body-sector`) is not in the directory, or None."""
    if not locality and not sector:
        return None
    if sector and not locality:
        return "--body-sector needs --body-locality (the body is a locality's department)"
    directory = build_directory(config.directory)
    if locality not in directory.localities:
        return f"unknown --body-locality {locality!r}: use the full path, e.g. 山西省晋中市太谷区"
    if sector is not None:
        if sector not in SECTORS:
            return (f"unknown --body-sector {sector!r}; sector codes: " + ", ".join(SECTORS))
        if directory.body(locality, sector) is None:
            return f"the directory has no {SECTORS[sector]} body in {locality} ({sector})"
    return None


def run(args) -> int:
    config, _ = load_or_explain(args.config)
    if args.user_command == "add":
        problem = body_problem(config, args.body_locality, args.body_sector)
        if problem:
            print(f"yuqing user add: {problem}", file=sys.stderr)
            return 2          # bad usage: nothing is created (README "Exit codes")
    engine = make_engine(config.database_url())
    upgrade(engine)
    now = SystemClock().now()
    try:
        with Session(engine) as session:
            return _run(args, session, now, config)
    except AccountError as e:
        print(f"yuqing user {args.user_command}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"yuqing user {args.user_command}: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _find(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None:
        raise AccountError(f"没有用户 {name}")
    return user


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _run(args, session: Session, now, config) -> int:
    command = args.user_command

    def audit(action: str, **detail) -> None:
        audit_account_change(session, now, actor=CLI_ACTOR, action=action, detail={**detail, "os_user": _os_user()})
    if command == "add":
        user = create_user(session, now, username=args.name, password=read_password(args.password_file),
                           role=args.role, display_name=args.display_name, body_locality=args.body_locality,
                           body_sector=args.body_sector)
        audit("user_created", username=user.username, role=user.role, body_locality=user.body_locality,
              body_sector=user.body_sector)
        session.commit()
        print(f"user {user.username} created (role {user.role})")
    elif command == "list":
        for user in session.exec(select(User).order_by(User.username)):
            scope = f" {user.body_locality} {user.body_sector or ''}".rstrip() if user.body_locality else ""
            print(f"{user.username}\t{user.role}{' (disabled)' if user.disabled else ''}{scope}")
    elif command == "disable":
        user = _find(session, args.name)
        user.disabled = True
        session.add(user)
        audit("user_disabled", username=user.username)
        session.commit()
        print(f"user {user.username} disabled")
    elif command == "password":
        user = _find(session, args.name)
        set_password(session, user, read_password(args.password_file))
        audit("password_reset", username=user.username)
        session.commit()
        print(f"password of {user.username} changed")
    elif command == "token" and args.token_id is not None:
        if args.name != "revoke":
            raise AccountError("用法：yuqing user token revoke ID（ID 见 yuqing user tokens）")
        row = revoke_token(session, now, token_id=args.token_id)
        audit("token_revoked", token_id=row.id, name=row.name)
        session.commit()
        print(f"token {row.id} ({row.name}) revoked")
    elif command == "token":
        user = _find(session, args.name)
        row, token = issue_token(session, now, user=user, name=args.token_name)
        audit("token_issued", username=user.username, token_id=row.id, name=row.name)
        session.commit()
        print(f"token {row.id} ({row.name}) issued for {user.username}", file=sys.stderr)
        print(token)
    elif command == "tokens":
        names = {u.id: u.username for u in session.exec(select(User))}
        for t in session.exec(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}Z" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}Z" if t.last_used_at else "never"
            print(f"{t.id}\t{names.get(t.user_id, '?')}\t{t.name}\tissued {t.created_at:%Y-%m-%d %H:%M}Z\t"
                  f"last used {used}\t{state}")
    return 0
