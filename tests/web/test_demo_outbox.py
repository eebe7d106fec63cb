"""The demo outbox on the web: liaison scope on the page and in JSON; a drill's JSON outbox needs a token."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from yuqing.demo.config import DemoConfig
from yuqing.demo.outbox import Outbox
from yuqing.runtime import Runtime
from yuqing.web import create_app

from .conftest import Browser, make_case


def demo_app(web_config, clock, engine, *, open_outbox: bool):
    config = web_config.model_copy(update={"demo": DemoConfig(scenario="t", open_outbox=open_outbox)})
    runtime = Runtime(config, clock, engine=engine)
    return create_app(runtime), runtime


def fill(runtime, own_case: int, other_case: int) -> None:
    outbox = Outbox(runtime.config.state_path() / runtime.config.demo.outbox, now=runtime.clock.now)
    outbox.record(channel="email", to=["taigu@example.gov.cn"], subject="太谷案件", body="x", case_hint=str(own_case))
    outbox.record(channel="email", to=["yuci@example.gov.cn 13900000000"], subject="榆次案件", body="y",
                  case_hint=str(other_case))


@pytest.fixture
def two_cases(runtime):
    own = make_case(runtime)
    other = make_case(runtime, title="榆次区某小区停水", localities=("山西省晋中市榆次区",), sectors=("housing",),
                      severity="general", criteria=("public_interest",))
    return own, other


@pytest.mark.parametrize("open_outbox", [True, False])
def test_a_liaison_sees_only_its_own_bodys_messages_on_the_page(web_config, clock, engine, users, two_cases,
                                                                open_outbox):
    app, runtime = demo_app(web_config, clock, engine, open_outbox=open_outbox)
    fill(runtime, *two_cases)
    liaison = Browser(app)
    assert liaison.login("liaison").status_code == 303
    page = liaison.get("/demo/outbox").text
    assert "太谷案件" in page and "榆次案件" not in page and "13900000000" not in page
    officer = Browser(app)
    officer.login("officer")
    assert "榆次案件" in officer.get("/demo/outbox").text


def test_a_drills_json_outbox_needs_a_token_and_keeps_the_liaison_scope(web_config, clock, engine, users, two_cases,
                                                                        token_of):
    app, runtime = demo_app(web_config, clock, engine, open_outbox=False)
    fill(runtime, *two_cases)
    api = TestClient(app)
    assert api.get("/api/demo/outbox").status_code == 401
    mine = api.get("/api/demo/outbox", headers={"Authorization": f"Bearer {token_of('liaison')}"}).json()
    assert [r["subject"] for r in mine] == ["太谷案件"]
    everything = api.get("/api/demo/outbox", headers={"Authorization": f"Bearer {token_of('officer')}"}).json()
    assert len(everything) == 2


def test_the_demos_json_outbox_stays_open(web_config, clock, engine, users, two_cases):
    app, runtime = demo_app(web_config, clock, engine, open_outbox=True)
    fill(runtime, *two_cases)
    assert len(TestClient(app).get("/api/demo/outbox").json()) == 2


def test_yuqing_demo_writes_an_open_outbox(tmp_path):
    from yuqing.config import load_config
    from yuqing.demo.deployment import DemoSecrets, demo_config_text, repository_directory
    from yuqing.demo.scenario import load_scenario

    path = tmp_path / "config.toml"
    path.write_text(demo_config_text(scenario=load_scenario("shanxi"), state_dir=tmp_path, web_port=18080,
                                     feeds_url="http://127.0.0.1:9", smtp_port=9, secrets_=DemoSecrets(),
                                     directory=repository_directory()), encoding="utf-8")
    assert load_config(path, environ={}).demo.open_outbox is True
