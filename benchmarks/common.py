"""What the benchmark scripts share: the evaluation folder, call timers, CPU accounting, percentiles,
the machine description, a work folder and the JSON result file.

The scripts run as files (``python benchmarks/x.py``), so importing this module first puts the project
root on ``sys.path`` and keeps the model hub offline before any project module is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"  # the evaluation sets sit beside the project

sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def arguments(doc: str | None, *, eval_dir: bool = True, json_out: bool = True) -> argparse.ArgumentParser:
    """A parser whose help is the script's docstring, with ``--eval-dir`` and ``--json OUT`` if asked."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if eval_dir:
        ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR, metavar="DIR",
                        help="folder of the evaluation sets (default: %(default)s)")
    if json_out:
        ap.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write the figures as JSON")
    return ap


def write_json(path: Path | None, data: Any) -> None:
    """Write the figures to ``path`` (nothing if None)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwrote {path}")


@contextmanager
def work_dir(keep: Path | None, prefix: str) -> Iterator[Path]:
    """``keep`` if given (and kept), else a temporary folder removed afterwards."""
    work = keep or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield work
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def machine(torch_threads: int) -> dict[str, Any]:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "torch_threads": torch_threads, "python": platform.python_version(),
            "platform": platform.platform()}


@dataclass
class CallTimer:
    """Wall time of each call of the functions it wraps (in the calling thread), in milliseconds."""

    ms: list[float] = field(default_factory=list)

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms.append((time.perf_counter() - t0) * 1000)

        return timed

    @property
    def seconds(self) -> float:
        return sum(self.ms) / 1000

    @property
    def calls(self) -> int:
        return len(self.ms)


def percentiles(ms: list[float]) -> dict[str, float]:
    """p50, p95, mean and max of durations in milliseconds ({} for none)."""
    a = np.asarray(ms, dtype=np.float64)
    if not len(a):
        return {}
    return {
        "n": len(a),
        "p50": round(float(np.percentile(a, 50)), 2),
        "p95": round(float(np.percentile(a, 95)), 2),
        "mean": round(float(a.mean()), 2),
        "max": round(float(a.max()), 2),
    }


class CpuWatch:
    """Own CPU time and the other processes' load over a phase: the machine may be shared."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.own0 = time.process_time()
        self.sys0 = _system_busy()

    def result(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        own = time.process_time() - self.own0
        busy = _system_busy() - self.sys0
        return {
            "own_cpu_s": round(own, 1),
            "own_cores": round(own / wall, 2) if wall else 0.0,
            "other_processes_cores": round(max(0.0, busy - own) / wall, 2) if wall else 0.0,
        }


def _system_busy() -> float:
    """CPU seconds all processes have used since boot (from /proc/stat; 0 where it does not exist)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
