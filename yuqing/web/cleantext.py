"""Make untrusted text storable: no NUL characters, no lone UTF-16 surrogates.

Why at the web boundary: JSON allows `\\u0000` and unpaired `\\ud800` escapes and
forms allow `%00`, but PostgreSQL refuses NUL in text and neither database can
store a lone surrogate as UTF-8. Left alone, such input turns a request into a
500; cleaned, it is stored as the visible text it carried (a lone surrogate
becomes U+FFFD, NUL is dropped).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import Form
from pydantic import AfterValidator

__all__ = ["clean_text", "clean_json", "storable_time", "CleanStr", "Code", "Line", "Text", "Codes"]

# Times outside these years are typing mistakes or probes; `0001-01-01T00:00+08:00` cannot even be
# converted to UTC for storage (an OverflowError, i.e. a 500, before this check).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def clean_text(value: str) -> str:
    """Return `value` without NUL and with every lone surrogate replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value)
    return value


def clean_json(value: Any) -> Any:
    """Return a decoded JSON value with every string (keys included) cleaned by `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_json(v) for k, v in value.items()}
    return value


def storable_time(value: datetime) -> datetime:
    """Return `value` when it converts to UTC within EARLIEST_YEAR..LATEST_YEAR; raise ValueError otherwise."""
    try:
        utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValueError(f"time out of range (years {EARLIEST_YEAR}-{LATEST_YEAR})")
    return value


CleanStr = Annotated[str, AfterValidator(clean_text)]

# Form field types of the pages: cleaned text of a bounded length (a longer value is a 422).
Code = Annotated[str, AfterValidator(clean_text), Form(max_length=50)]       # choices and codes
Line = Annotated[str, AfterValidator(clean_text), Form(max_length=2000)]     # names, URLs, times, paths
Text = Annotated[str, AfterValidator(clean_text), Form(max_length=5000)]     # notes, reasons, evidence
Codes = Annotated[list[Code], Form()]
