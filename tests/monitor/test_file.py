"""File sources: a local feed file or folder, re-read only when a file changes."""

from __future__ import annotations

import os
from datetime import timedelta

from .feeds import FakeFeed


def test_a_folder_source_reads_every_feed_file_and_skips_unchanged_ones(tmp_path, poller):
    (tmp_path / "a.xml").write_bytes(FakeFeed().item(1).rss())
    (tmp_path / "b.rss").write_bytes(FakeFeed().item(2).rss())
    (tmp_path / "readme.txt").write_text("not a feed")
    poller.add(kind="file", path=str(tmp_path), interval="1m")
    assert poller.poll().new_items == 2
    report = poller.poll(advance=timedelta(minutes=2))
    assert report.not_modified == 1 and poller.source().last_status == "not_modified"
    (tmp_path / "c.xml").write_bytes(FakeFeed().item(3).rss())
    assert poller.poll(advance=timedelta(minutes=2)).new_items == 1


def test_a_broken_file_in_a_folder_is_a_warning_while_the_others_count(tmp_path, poller):
    (tmp_path / "good.xml").write_bytes(FakeFeed().item(1).rss())
    (tmp_path / "bad.xml").write_bytes(b"\x00\x01garbage")
    poller.add(kind="file", path=str(tmp_path))
    poller.poll()
    source = poller.source()
    assert source.last_status == "partial" and "bad.xml" in source.last_error
    assert len(poller.items()) == 1


def test_a_missing_path_is_an_error_on_the_source(tmp_path, poller):
    poller.add(kind="file", path=str(tmp_path / "nowhere.xml"))
    poller.poll()
    source = poller.source()
    assert source.last_status == "not_found" and source.consecutive_failures == 1


def test_a_file_over_the_size_cap_is_refused(tmp_path, poller):
    from monitor.config import MonitorConfig

    big = tmp_path / "big.xml"
    with open(big, "wb") as f:
        f.truncate(2 * 1024 * 1024)
    poller.settings.monitor = MonitorConfig(max_body_bytes=1024 * 1024)
    poller.add(kind="file", path=str(big))
    poller.poll()
    assert poller.source().last_status == "too_large"
    assert os.path.getsize(big) == 2 * 1024 * 1024
