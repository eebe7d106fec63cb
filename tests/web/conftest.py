"""Fixtures of the web tests: an app on a fresh database, users of every role, signed-in clients."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from monitor.assessment import Assessment
from responders.assignment import assign
from responders.cases import open_case
from yuqing.runtime import Runtime
from yuqing.tables import User
from yuqing.web import create_app
from yuqing.web.accounts import hash_password, issue_token

PASSWORD = "correct horse battery"

# username -> (role, body_locality, body_sector)
ACCOUNTS = {
    "officer": ("officer", None, None),
    "supervisor": ("supervisor", None, None),
    "admin": ("admin", None, None),
    "liaison": ("officer", "山西省晋中市太谷区", "emergency"),
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing costs ~0.2 s)."""
    return hash_password(PASSWORD)


@pytest.fixture
def web_config(example_config, tmp_path):
    return example_config.model_copy(update={"state_dir": str(tmp_path / "state")})


@pytest.fixture
def runtime(web_config, clock, engine) -> Runtime:
    return Runtime(web_config, clock, engine=engine)


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def users(engine, clock, password_hash) -> dict[str, User]:
    """Users of every role plus a liaison of 太谷区应急管理局, all with PASSWORD."""
    out = {}
    with Session(engine) as s:
        for name, (role, locality, sector) in ACCOUNTS.items():
            user = User(username=name, password_hash=password_hash, role=role, body_locality=locality,
                        body_sector=sector, created_at=clock.now(), display_name=f"{name} 测试")
            s.add(user)
            s.flush()
            out[name] = user
        s.commit()
        for user in out.values():
            s.refresh(user)
            s.expunge(user)
    return out


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


class Browser:
    """A TestClient that signs in and keeps the page's CSRF token at hand."""

    def __init__(self, app):
        self.client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        self.csrf = None

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login")
        self.csrf = csrf_of(page.text)
        answer = self.client.post("/login", data={"username": username, "password": password, "csrf_token": self.csrf})
        if answer.status_code == 303:
            self.csrf = csrf_of(self.client.get("/").text)
        return answer

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def browser(app):
    """Return a factory: browser("officer") is a client signed in as that user."""

    def make(username: str | None = None) -> Browser:
        b = Browser(app)
        if username:
            answer = b.login(username)
            assert answer.status_code == 303, answer.text
        return b

    return make


@pytest.fixture
def token_of(engine, clock, users):
    """Return a factory: token_of("officer") is a fresh API token of that user."""

    def make(username: str) -> str:
        with Session(engine) as s:
            user = s.get(User, users[username].id)
            _, token = issue_token(s, clock.now(), user=user, name="test")
            s.commit()
        return token

    return make


def make_case(runtime: Runtime, *, title: str = "太谷区某煤矿发生爆炸事故", severity: str = "major_emergency",
              localities=("山西省晋中市太谷区",), sectors=("emergency",), criteria=("emergency_disaster",),
              rationale=("涉及生产安全事故（测试）",), age: timedelta = timedelta(0), drill: bool = False) -> int:
    """Open a case the way the pipeline does (assignment, clocks, ladder) and return its id."""
    assessment = Assessment(priority=True, criteria=tuple(criteria), severity=severity,
                            localities=tuple(localities), sectors=tuple(sectors), in_jurisdiction=True,
                            rationale=tuple(rationale))
    now = runtime.clock.now() - age
    with Session(runtime.engine) as s:
        assignment = assign(assessment, runtime.directory)
        case = open_case(s, now, assessment=assessment, assignment=assignment, config=runtime.config.clocks,
                         title=title, drill=drill)
        s.commit()
        return case.id


@pytest.fixture
def case_id(runtime) -> int:
    """An open major-emergency case of 太谷区应急管理局 (5 h and 24 h clocks)."""
    return make_case(runtime)
