"""Build the FastAPI application for one `Runtime` (no module-level app)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..demo import web as demo_web
from ..runtime import Runtime
from . import admin, api, casework, health, info, login, pages, reports, review
from .cleantext import clean_json
from .deps import LoginRequired
from .limits import BodyLimit
from .rendering import Renderer
from .security import SESSION_SECONDS, SecurityHeaders, secure_cookies

STATIC = Path(__file__).parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def create_app(runtime: Runtime) -> FastAPI:
    """Return the web app; every router is registered here, explicitly."""
    app = FastAPI(
        title="yuqing-watch API",
        version="0.1.0",
        description="政务舆情 cases, response clocks and push ingestion. Every call needs `Authorization: Bearer <token>`.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.renderer = Renderer(timezone=runtime.config.timezone, clock=runtime.clock)
    app.include_router(health.router)
    app.include_router(login.router)
    app.include_router(casework.pages)      # /cases/new before /cases/{case_id}
    app.include_router(casework.router)
    app.include_router(review.router)       # the 待研判 queue's actions (issue 14)
    app.include_router(pages.router)
    app.include_router(info.router)
    app.include_router(admin.router)
    app.include_router(api.router)
    app.include_router(review.api_router)
    app.include_router(reports.router)     # the 通报 (issue 9)
    if runtime.config.demo is not None:    # demo and drill deployments only (yuqing demo / yuqing drill)
        app.include_router(demo_web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    secure = secure_cookies(runtime.config)
    # Innermost first: the body cap runs inside the session middleware (it refuses unsigned-in posts unread).
    app.add_middleware(BodyLimit, max_bytes=runtime.config.web.max_body_bytes,
                       max_push_bytes=runtime.config.web.max_push_bytes)
    app.add_middleware(SessionMiddleware, secret_key=runtime.secret_key(), session_cookie="yuqing_session",
                       max_age=SESSION_SECONDS, same_site="lax", https_only=secure)
    app.add_middleware(SecurityHeaders, hsts=secure)
    _install_error_pages(app)
    return app


def _install_error_pages(app: FastAPI) -> None:
    """Answer pages with Chinese HTML error pages and /api with JSON; send signed-out visitors to /login."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.url.path == "/cases/rows" or request.method != "GET":
            return JSONResponse({"detail": "请先登录"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _is_api(request) or request.url.path.startswith("/static/") or exc.status_code < 400:
            return await http_exception_handler(request, exc)
        return _error_page(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if _is_api(request):
            # The errors echo the input; a lone surrogate in it would make the JSON answer itself fail.
            return JSONResponse({"detail": clean_json(jsonable_encoder([_brief(e) for e in exc.errors()]))},
                                status_code=422)
        fields = "、".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return _error_page(request, 422, f"提交的内容不完整或格式不对：{fields}", None)


def _brief(error: dict) -> dict:
    """Return a validation error with its input echoed only when it is a short scalar.

    Why: the input of a bad field can be any JSON (800 nested lists made the
    encoder recurse into a 500), and echoing large input back helps nobody.
    """
    out = {k: v for k, v in error.items() if k in ("type", "loc", "msg")}
    value = error.get("input")
    if value is None or isinstance(value, (bool, int, float)):
        out["input"] = value
    elif isinstance(value, str):
        out["input"] = value[:200]
    return out


def _error_page(request: Request, status: int, message: str, headers):
    titles = {401: "需要登录", 403: "无权操作", 404: "找不到", 405: "不支持的请求", 409: "无法执行", 422: "内容有误",
              429: "请求过多"}
    response = request.app.state.renderer.page(request, "error.html", {
        "user": None, "status": status, "title": titles.get(status, "出错了"), "message": message,
    }, status_code=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
