"""Benchmark what the daemon holds: resident memory with everything loaded, and the judgement model's load time.

Run: `.venv/bin/python -m bench.memory`. Each figure comes from a fresh Python process (so one measurement does
not inherit another's heap): the shipped config.toml's runtime is built as `yuqing run` builds it (directory,
judge with its model and gazetteer, SnowNLP's model only where `[judgement] sentiment` consults it, the web
app), and
VmRSS / VmHWM are read from /proc. The naive baseline, in the same way: the same process with scikit-learn
imported to run the model from a pickled pipeline (what inference with the library would cost at least).
Model load: `TextModel.load` of the shipped file and `Judge.from_config` (which includes it), median of 5.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, tempfile, os
from pathlib import Path
os.environ["YUQING__STATE_DIR"] = tempfile.mkdtemp()
from yuqing.config import load_config
from yuqing.runtime import Runtime
from yuqing.clock import SystemClock
from monitor.judgement.sentiment import snownlp_score
config = load_config(Path(sys.argv[1]) / "config.toml")
runtime = Runtime(config, config_path=None, clock=SystemClock())
runtime.warm_up()
if runtime.judge.sentiment_mode != "never":      # as the first borderline item would
    snownlp_score("预热：加载情感模型")
import yuqing.web.app  # noqa: F401
if sys.argv[2] == "naive":
    import sklearn.linear_model, sklearn.feature_extraction.text  # noqa: F401
status = Path("/proc/self/status").read_text()
def kb(key):
    return int(next(l for l in status.splitlines() if l.startswith(key)).split()[1])
print(json.dumps({"rss_mb": kb("VmRSS:") / 1024, "hwm_mb": kb("VmHWM:") / 1024,
                  "model": runtime.judge.model.version if runtime.judge.model else None}))
"""


def _child(kind: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), kind], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load_times() -> tuple[float, float]:
    from monitor.judgement import Judge
    from monitor.judgement.model import SHIPPED_MODEL, TextModel

    model_ms, judge_ms = [], []
    for _ in range(5):
        t = time.perf_counter()
        TextModel.load(SHIPPED_MODEL)
        model_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        Judge.from_config(None, "山西省")
        judge_ms.append((time.perf_counter() - t) * 1000)
    return statistics.median(model_ms), statistics.median(judge_ms)


def main() -> None:
    ours = _child("ours")
    naive = _child("naive")
    model_ms, judge_ms = _load_times()
    size_kb = (ROOT / "monitor" / "judgement" / "data" / "model.json").stat().st_size / 1024
    print(f"daemon runtime loaded (directory, judge + model {ours['model']}, web app): "
          f"RSS {ours['rss_mb']:.0f} MB, peak {ours['hwm_mb']:.0f} MB (target <= 300 MB)")
    print(f"naive baseline (same, plus scikit-learn imported to run the model): RSS {naive['rss_mb']:.0f} MB, "
          f"peak {naive['hwm_mb']:.0f} MB; ratio {naive['rss_mb'] / ours['rss_mb']:.2f}x")
    print(f"model load: TextModel.load {model_ms:.0f} ms ({size_kb:.0f} KiB file); Judge.from_config with it "
          f"{judge_ms:.0f} ms (target <= 1,000 ms), median of 5")


if __name__ == "__main__":
    main()
