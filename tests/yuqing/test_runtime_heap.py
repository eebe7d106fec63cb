"""Runtime.warm_up and the heap: long-lived data frozen once, a reload's old judge collected."""

import gc
import weakref

import pytest

from yuqing.runtime import Runtime


@pytest.fixture
def runtime(example_config, clock, engine):
    runtime = Runtime(example_config, clock, engine=engine)
    yield runtime
    gc.unfreeze()


def test_warm_up_builds_the_directory_and_judge_and_freezes_them(runtime):
    gc.unfreeze()
    runtime.warm_up()
    assert runtime._judge is not None and runtime._directory is not None
    # The judge's automata and the directory are out of the cyclic collector's reach.
    assert gc.get_freeze_count() > 10_000


def test_a_reload_does_not_keep_the_old_judge(runtime, example_config):
    runtime.warm_up()
    # The judge's line scanner is in a reference cycle (its cache wraps its own bound method): only the
    # cyclic collector frees it, with the lines it remembers, and it could not while frozen.
    old = weakref.ref(runtime.judge._scanner)
    runtime.replace_config(example_config)
    runtime.warm_up()
    assert old() is None
    assert runtime.judge is not None


def test_settle_new_loads_settles_once_after_snownlp_is_loaded(runtime, monkeypatch):
    import yuqing.runtime as module

    calls = []
    monkeypatch.setattr(module, "settle_heap", lambda: calls.append(1))
    monkeypatch.setattr(module, "snownlp_loaded", lambda: False)
    runtime.settle_new_loads()
    assert calls == []
    monkeypatch.setattr(module, "snownlp_loaded", lambda: True)
    runtime.settle_new_loads()
    runtime.settle_new_loads()
    assert calls == [1]
