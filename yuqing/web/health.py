"""Unauthenticated operational endpoints: /healthz and /metrics (CONTRACT.md)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..db import check_database

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request):
    runtime = request.app.state.runtime
    health = runtime.health
    try:
        check_database(runtime.engine)
        database = "ok"
    except Exception as e:  # noqa: BLE001 - any failure means "not healthy"
        database = f"error: {type(e).__name__}"
    parts = {
        "database": database,
        "scheduler": "ok" if health.scheduler else "down",
        "web": "ok" if health.web else "starting",
    }
    ok = all(v == "ok" for v in parts.values())
    body = {
        "status": "ok" if ok else "unavailable",
        **parts,
        "uptime_seconds": round(time.monotonic() - runtime.started_monotonic, 1),
        "now": runtime.clock.now().isoformat(),
        "drill": runtime.config.drill,
        **health.details,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request):
    registry = request.app.state.runtime.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
