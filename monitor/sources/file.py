"""`file` sources: a local feed file or a folder of them (used by `yuqing ingest`, the demo and tests).

A folder contributes every `*.xml`, `*.rss`, `*.atom`, `*.json` and `*.feed`
file in it (not recursive), in name order. Nothing is re-read while the files'
modification times stay the same. Config keys: `name`, `path` (or a `file://`
`url`), `interval`::

    [[sources]]
    name = "样例订阅"
    kind = "file"
    path = "samples/feeds"
    interval = "1m"
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import FeedError, FetchError, ResponseTooLarge
from ..fetch import Fetcher
from . import Retrieved, SourceSnapshot
from ._documents import parse_document

__all__ = ["retrieve", "feed_files", "source_path"]

SUFFIXES = {".xml", ".rss", ".atom", ".json", ".feed"}
DEFAULT_CAP = 10 * 1024 * 1024


def source_path(source: SourceSnapshot) -> Path:
    """Return the file or folder a file source reads."""
    path = source.config.get("path")
    if not path and source.url and source.url.startswith("file:"):
        path = unquote(urlsplit(source.url).path)
    if not path:
        raise FetchError("bad_url", f"source {source.name!r} has no path")
    return Path(path)


def feed_files(path: Path) -> list[Path]:
    """Return the feed files of `path` (itself when it is a file)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    return [path]


async def retrieve(source: SourceSnapshot, *, fetcher: Fetcher | None = None, schemes: Sequence[Any] = (),
                   now: datetime | None = None) -> Retrieved:
    """Read and parse the file(s) of `source` (see `monitor.sources.Retriever`).

    In a folder, a broken file is a warning and the others still count; it is an
    error only when no file could be read.
    """
    path = source_path(source)
    if not path.exists():
        raise FetchError("not_found", f"{path} does not exist")
    files = feed_files(path)
    stamp = str(max((p.stat().st_mtime_ns for p in files), default=0)) + f"/{len(files)}"
    if source.last_modified == stamp:
        return Retrieved(not_modified=True, last_modified=stamp)
    cap = fetcher.max_body_bytes if fetcher else DEFAULT_CAP
    result = Retrieved(last_modified=stamp)
    errors: list[Exception] = []
    for file in files:
        try:
            if file.stat().st_size > cap:
                raise ResponseTooLarge(cap)
            doc = parse_document(file.read_bytes(), url=file.as_uri())
        except (FeedError, FetchError, OSError) as e:
            errors.append(e)
            result.warnings.append(f"{file.name}: {e}")
            continue
        result.entries.extend(doc.entries)
        result.warnings.extend(f"{file.name}: {w}" for w in doc.warnings)
    if errors and len(errors) == len(files):
        if len(errors) == 1 and isinstance(errors[0], (FeedError, FetchError)):
            raise errors[0]
        summary = "; ".join(result.warnings[:3])
        if all(isinstance(e, FeedError) for e in errors):
            raise FeedError("parse_error", f"no readable feed in {path}: {summary}")
        raise FetchError("read_error", f"no readable feed in {path}: {summary}")
    return result
