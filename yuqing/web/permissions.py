"""Who may do what: roles, the action table, and the liaison's limit to its own body's cases.

Roles are ordered officer < supervisor < admin; each action names the lowest
role allowed. Only supervisors and admins dismiss a case or downgrade its
severity (an officer may raise it); only admins manage users and tokens.

A liaison account (`User.body_locality`, optionally `User.body_sector`) sees and
acts on only the cases where its body is a responsible body (first, lead or
co-responder); every other case answers 404, so its existence does not leak.
It cannot open cases by hand, which would create cases outside its scope.
"""

from __future__ import annotations

from typing import Any

from ..tables import User

__all__ = ["ROLE_RANK", "ACTIONS", "allowed", "is_liaison", "case_in_scope", "body_matches"]

ROLE_RANK = {"officer": 1, "supervisor": 2, "admin": 3}

# action -> lowest role allowed
ACTIONS = {
    "acknowledge": "officer",
    "respond": "officer",
    "reassign": "officer",
    "upgrade": "officer",
    "downgrade": "supervisor",
    "dismiss": "supervisor",
    "confirm_review": "officer",     # 待研判: the on-duty officer decides
    "dismiss_review": "officer",
    "merge": "supervisor",          # merge or split cases (one story, one case)
    "refer_rumor": "officer",
    "close": "officer",
    "open_case": "officer",
    "push_items": "officer",
    "manage_users": "admin",
}
_NOT_FOR_LIAISONS = {"open_case", "push_items", "manage_users", "merge"}


def is_liaison(user: User) -> bool:
    return bool(user.body_locality)


def allowed(user: User | None, action: str) -> bool:
    """Return True when `user` may perform `action` (on a case already known to be in scope)."""
    if user is None or user.disabled:
        return False
    if is_liaison(user) and action in _NOT_FOR_LIAISONS:
        return False
    return ROLE_RANK.get(user.role, 0) >= ROLE_RANK[ACTIONS[action]]


def body_matches(user: User, body: dict[str, Any] | None) -> bool:
    """Return True when a `responsible` body record is the liaison's own body."""
    if not body or body.get("locality") != user.body_locality:
        return False
    if user.body_sector is None:
        return True
    return (body.get("sector") or body.get("role")) == user.body_sector


def case_in_scope(user: User, responsible: dict[str, Any] | None) -> bool:
    """Return True when the user may see a case with this `responsible` record."""
    if not is_liaison(user):
        return True
    responsible = responsible or {}
    bodies = [*(responsible.get("first") or []), responsible.get("lead"), *(responsible.get("co_responders") or [])]
    return any(body_matches(user, b) for b in bodies if isinstance(b, dict))
