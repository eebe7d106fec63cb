"""Errors of the responders stage; messages are Chinese because the web UI shows them as they are.

    ResponderError
    ├── CaseNotFound      the case id does not exist
    └── InvalidAction     the action does not fit the case's state or its arguments are wrong
"""

from __future__ import annotations

__all__ = ["ResponderError", "CaseNotFound", "InvalidAction"]


class ResponderError(Exception):
    """Base of every error raised by `responders` on purpose."""


class CaseNotFound(ResponderError):
    def __init__(self, case_id):
        self.case_id = case_id
        super().__init__(f"案件 {case_id} 不存在")


class InvalidAction(ResponderError):
    """The officer's action cannot be applied; the message says why, in Chinese."""
