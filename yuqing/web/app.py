"""Build the FastAPI application for one `Runtime` (no module-level app)."""

from __future__ import annotations

from fastapi import FastAPI

from ..runtime import Runtime
from . import health


def create_app(runtime: Runtime) -> FastAPI:
    """Return the web app; every router is registered here, explicitly."""
    app = FastAPI(
        title="yuqing-watch API",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(health.router)
    return app
