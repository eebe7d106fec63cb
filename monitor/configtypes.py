"""Building blocks for the typed, frozen configuration models of every package.

Each package declares the models of its own config tables with these types; the
composition root (`yuqing.config`) assembles them and reads the file once.

Secrets are never required in the file: a secret key takes a table
``{ env = "NAME" }`` or ``{ file = "/run/credentials/..." }`` (a literal string is
accepted for throwaway deployments). The value is resolved while validating, so
a missing variable or unreadable file is a config error naming the key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr, ValidationInfo

from .timestamps import parse_duration

__all__ = ["Frozen", "Duration", "Secret", "resolve_secret"]


class Frozen(BaseModel):
    """Immutable config model that rejects unknown keys (a typo is an error, not a silent default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def resolve_secret(value: Any, info: ValidationInfo) -> Any:
    """Return the secret's text from ``{env=...}``, ``{file=...}`` or a literal string.

    The environment is the loader's (validation context ``environ``), else the process's.
    """
    environ = (info.context or {}).get("environ", os.environ)
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"env"}:
            name = value["env"]
            if name not in environ:
                raise ValueError(f"environment variable {name} is not set")
            return environ[name]
        if keys == {"file"}:
            path = Path(value["file"])
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as e:
                raise ValueError(f"cannot read secret file {path}: {e.strerror}") from e
        raise ValueError('a secret is { env = "NAME" } or { file = "/path" }')
    return value


Secret = Annotated[SecretStr, BeforeValidator(resolve_secret)]
