"""Keep secrets out of every log line, at one choke point: the log record factory.

Why the record factory and not a handler filter: a filter sits on one handler
or one logger (and a logger's filter misses its children's records), while
every record of every library (httpx writes the robots' addresses, with the
WeCom `key=`, the DingTalk `access_token`/`timestamp`/`sign` and the Feishu
hook, at INFO) is made by the factory. The message and any traceback are
redacted when the record is created, so no handler, level or format can show
them.

What is redacted:
- the web API's bearer tokens (`yq_...`);
- query parameters that carry credentials (`key`, `access_token`, `sign`,
  `timestamp`, `token`, `secret`, ...) and the Feishu/Lark hook path segment;
- every secret value of the loaded configuration (`{ env = ... }` /
  `{ file = ... }` keys: SMTP passwords, robot tokens, webhook secrets), which
  `hide_secrets_of` registers (the CLI, the runtime and each reload call it).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback

from pydantic import BaseModel, SecretStr

__all__ = ["install", "hide_secrets_of", "redact", "MASK"]

MASK = "***"
_QUERY = re.compile(
    r"(?i)([?&;](?:key|access_token|accesstoken|token|sign|signature|timestamp|secret|password|passwd|hook)=)"
    r"[^&\s\"'#<>]+")
_HOOK = re.compile(r"(?i)(/bot/v2/hook/)[^/?\s\"'#<>]+")
_API_TOKEN = re.compile(r"\b(yq_)[A-Za-z0-9_-]{16,}")        # the web API's bearer tokens (accounts.TOKEN_PREFIX)
_MIN_SECRET = 4          # shorter values would redact ordinary words

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """Return `text` with credential parameters, hook tokens and known secret values masked."""
    text = _HOOK.sub(r"\1" + MASK, _QUERY.sub(r"\1" + MASK, text))
    text = _API_TOKEN.sub(r"\1" + MASK, text)
    for value in sorted(_secrets, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def _secret_values(node, out: set[str], depth: int = 0) -> None:
    if depth > 20:
        return
    if isinstance(node, SecretStr):
        value = node.get_secret_value()
        if len(value) >= _MIN_SECRET:
            out.add(value)
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _secret_values(getattr(node, name, None), out, depth + 1)
    elif isinstance(node, (list, tuple, set, frozenset)):
        for item in node:
            _secret_values(item, out, depth + 1)
    elif isinstance(node, dict):
        for item in node.values():
            _secret_values(item, out, depth + 1)


def hide_secrets_of(config) -> None:
    """Register every secret value of `config` for redaction and make sure the factory is installed."""
    found: set[str] = set()
    _secret_values(config, found)
    with _lock:
        _secrets.update(found)
    install()


def install() -> None:
    """Wrap the log record factory once (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:       # a bad format string: let the handler report it as usual
                return record
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
                record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
