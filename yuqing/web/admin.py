"""Admin pages: users (create, disable, enable, reset password) and API tokens (issue, revoke).

Every change is written to the audit log (case-less `AuditEntry` rows). A new
token is shown once, on the page that answers its creation, and never again.
"""

from __future__ import annotations

import logging

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, select

from ..tables import ApiToken, User
from .accounts import (ROLES, AccountError, account_audit, audit_account_change, create_user, issue_token,
                       revoke_token, set_password)
from .cleantext import Code, Line
from .deps import db, page_user, require, runtime_of
from .labels import SECTOR_LABELS
from .security import check_csrf

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", include_in_schema=False)

# A type, not a shared `Path(...)` default: FastAPI copies an Annotated marker per parameter, while one
# FieldInfo object used as the default of `user_id` and `token_id` took one name for both (every revoke got 422).
ID = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _admin(user: User = Depends(page_user)) -> User:
    require(user, "manage_users")
    return user


def _page(request: Request, session: Session, admin: User, *, error: str | None = None,
          new_token: str | None = None, status_code: int = 200):
    users = session.exec(select(User).order_by(User.username)).all()
    tokens = session.exec(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    names = {u.id: u.username for u in users}
    return request.app.state.renderer.page(request, "admin.html", {
        "user": admin, "users": users, "tokens": tokens, "names": names, "roles": ROLES, "error": error,
        "audit": account_audit(session),
        "new_token": new_token, "sectors": SECTOR_LABELS,
        "localities": sorted(request.app.state.runtime.directory.localities),
    }, status_code=status_code)


def _audit(session: Session, request: Request, admin: User, action: str, detail: dict) -> None:
    audit_account_change(session, runtime_of(request).clock.now(), actor=admin.username, action=action, detail=detail)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, admin: User = Depends(_admin), session: Session = Depends(db)):
    return _page(request, session, admin)


@router.post("/users", dependencies=[Depends(check_csrf)])
def add_user(request: Request, username: Line = ..., password: Line = ...,
             role: Code = ..., display_name: Line = "",
             body_locality: Line = "", body_sector: Code = "",
             admin: User = Depends(_admin), session: Session = Depends(db)):
    directory = runtime_of(request).directory
    try:
        if body_locality and body_locality not in directory.localities:
            raise AccountError(f"未知地区 {body_locality}（请使用完整路径，如 山西省晋中市太谷区）")
        if body_sector and body_sector not in SECTOR_LABELS:
            raise AccountError(f"未知部门代码 {body_sector}")
        user = create_user(session, runtime_of(request).clock.now(), username=username, password=password,
                           role=role, display_name=display_name, body_locality=body_locality or None,
                           body_sector=body_sector or None)
    except AccountError as e:
        session.rollback()
        return _page(request, session, admin, error=str(e), status_code=400)
    _audit(session, request, admin, "user_created", {"username": user.username, "role": user.role,
                                                     "body_locality": user.body_locality, "body_sector": user.body_sector})
    session.commit()
    request.session["flash"] = f"已创建用户 {user.username}"
    return RedirectResponse("/admin/users", status_code=303)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, "没有这个用户")
    return user


@router.post("/users/{user_id}/disable", dependencies=[Depends(check_csrf)])
def disable_user(request: Request, user_id: ID, admin: User = Depends(_admin), session: Session = Depends(db)):
    target = _user(session, user_id)
    if target.id == admin.id:
        return _page(request, session, admin, error="不能停用自己的账号", status_code=400)
    target.disabled = True
    session.add(target)
    _audit(session, request, admin, "user_disabled", {"username": target.username})
    session.commit()
    request.session["flash"] = f"已停用用户 {target.username}"
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/enable", dependencies=[Depends(check_csrf)])
def enable_user(request: Request, user_id: ID, admin: User = Depends(_admin), session: Session = Depends(db)):
    target = _user(session, user_id)
    target.disabled = False
    session.add(target)
    _audit(session, request, admin, "user_enabled", {"username": target.username})
    session.commit()
    request.session["flash"] = f"已启用用户 {target.username}"
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/password", dependencies=[Depends(check_csrf)])
def reset_password(request: Request, user_id: ID, password: Line = ...,
                   admin: User = Depends(_admin), session: Session = Depends(db)):
    target = _user(session, user_id)
    try:
        set_password(session, target, password)
    except AccountError as e:
        session.rollback()
        return _page(request, session, admin, error=str(e), status_code=400)
    _audit(session, request, admin, "password_reset", {"username": target.username})
    session.commit()
    request.session["flash"] = f"已重设 {target.username} 的密码"
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/tokens", dependencies=[Depends(check_csrf)])
def add_token(request: Request, user_id: int = Form(..., ge=1, le=2**31 - 1), name: Line = "api",
              admin: User = Depends(_admin), session: Session = Depends(db)):
    target = _user(session, user_id)
    row, token = issue_token(session, runtime_of(request).clock.now(), user=target, name=name)
    _audit(session, request, admin, "token_issued", {"username": target.username, "token_id": row.id, "name": row.name})
    session.commit()
    return _page(request, session, admin, new_token=token)


@router.post("/tokens/{token_id}/revoke", dependencies=[Depends(check_csrf)])
def revoke(request: Request, token_id: ID, admin: User = Depends(_admin), session: Session = Depends(db)):
    try:
        row = revoke_token(session, runtime_of(request).clock.now(), token_id=token_id)
    except AccountError as e:
        raise HTTPException(404, str(e)) from e
    _audit(session, request, admin, "token_revoked", {"token_id": row.id, "name": row.name})
    session.commit()
    request.session["flash"] = f"已吊销令牌 {row.name}"
    return RedirectResponse("/admin/users", status_code=303)
