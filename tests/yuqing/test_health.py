"""/healthz and /metrics answer without authentication and tell the truth about each part."""

from __future__ import annotations

from fastapi.testclient import TestClient

from yuqing.db import make_engine
from yuqing.runtime import Runtime
from yuqing.web import create_app


def make_client(config, clock, engine) -> tuple[TestClient, Runtime]:
    runtime = Runtime(config, clock, engine=engine)
    return TestClient(create_app(runtime)), runtime


def test_healthz_is_200_only_when_database_scheduler_and_web_are_up(example_config, clock, engine):
    client, runtime = make_client(example_config, clock, engine)
    starting = client.get("/healthz")
    assert starting.status_code == 503 and starting.json()["scheduler"] == "down"
    runtime.health.scheduler = runtime.health.web = runtime.health.database = True
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json()["status"] == "ok"
    assert up.json()["now"] == clock.now().isoformat()


def test_healthz_is_503_when_the_database_does_not_answer(example_config, clock):
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    client, runtime = make_client(example_config, clock, engine)
    runtime.health.scheduler = runtime.health.web = runtime.health.database = True
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"].startswith("error")


def test_metrics_are_prometheus_text(example_config, clock, engine):
    client, runtime = make_client(example_config, clock, engine)
    runtime.metrics.job_runs.labels("heartbeat").inc()
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert 'yuqing_job_runs_total{job="heartbeat"} 1.0' in answer.text


def test_the_secret_key_is_generated_once_and_kept(example_config, clock, engine, tmp_path):
    config = example_config.model_copy(update={"state_dir": str(tmp_path / "state")})
    first = Runtime(config, clock, engine=engine).secret_key()
    again = Runtime(config, clock, engine=engine).secret_key()
    assert len(first) >= 40 and first == again
    assert (tmp_path / "state" / "secret_key").stat().st_mode & 0o777 == 0o600
