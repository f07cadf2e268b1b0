"""What parsing in the worker process costs (ingest/isolation.py), and what real files need of the limits.

Overhead: the same files parsed in process (`ingest.parsers.parse`) and through `IsolatedParser` (one
worker for all, as in a sync): the sample documents, and `--copies` copies of each of them (a few hundred
small files), each set three times, best run kept. Worker start-up is timed apart.

Needs: each PDF of `--filings` (default: financebench/docs of the eval folder) parsed in a fresh process;
its peak resident memory and CPU seconds, and its page count (what `parse_memory_mb`, `parse_cpu_seconds`
and `max_pages` must allow).

    .venv/bin/python benchmarks/isolation_overhead.py [--copies 75] [--filings DIR] [--json OUT]
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import ROOT, arguments, work_dir, write_json

# The child's own peaks (VmPeak: address space, what RLIMIT_AS caps; VmHWM: resident), from /proc: the
# rusage of a spawned process would count the spawner's memory too.
_PARSE_ONE = """
import sys
from pathlib import Path
from ingest.parsers import parse
pages = parse(Path(sys.argv[1])).pages
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
print(pages, int(status["VmPeak"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024)
"""


def best_of(runs: int, fn: Any) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def overhead(files: list[Path]) -> dict[str, float]:
    from ingest.isolation import IsolatedParser
    from ingest.parsers import ParseOptions, parse
    from rag.settings import Settings

    limits = Settings().limits
    for f in files[:4]:
        parse(f)  # imports and caches warm, as in a long sync
    in_process = best_of(3, lambda: [parse(f) for f in files])
    with IsolatedParser(limits, ParseOptions()) as parser:
        t = time.perf_counter()
        parser.parse(files[0])
        first = time.perf_counter() - t
        isolated = best_of(3, lambda: [parser.parse(f) for f in files])
    n = len(files)
    return {"files": n, "in_process_ms_per_file": 1000 * in_process / n, "isolated_ms_per_file": 1000 * isolated / n,
            "overhead_ms_per_file": 1000 * (isolated - in_process) / n, "worker_start_and_first_file_s": first}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def needs(filings: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    spent = children_cpu()
    for pdf in sorted(filings.glob("*.pdf")):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _PARSE_ONE, str(pdf)], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        wall = time.perf_counter() - t
        cpu, spent = children_cpu() - spent, children_cpu()
        pages, address_mb, resident_mb = (int(v) for v in out.stdout.split())
        rows.append({"file": pdf.name, "pages": pages, "address_space_mb": address_mb, "resident_mb": resident_mb,
                     "cpu_s": round(cpu, 2), "wall_s": round(wall, 2)})
        print(f"{pdf.name:32} {pages:4} pages {address_mb:5} MB address space {resident_mb:5} MB resident "
              f"{cpu:5.2f} s CPU {wall:5.2f} s")
    return rows


def main() -> int:
    ap = arguments(__doc__)
    ap.add_argument("--copies", type=int, default=75, help="copies of each sample document")
    ap.add_argument("--filings", type=Path, default=None, help="folder of PDFs (default: financebench/docs)")
    args = ap.parse_args()
    samples = sorted(p for p in (ROOT / "data" / "docs").rglob("*") if p.is_file())
    result: dict[str, Any] = {"samples": overhead(samples)}
    with work_dir(None, "isolation-") as work:
        copies = []
        for i in range(args.copies):
            for sample in samples:
                copies.append(work / f"{i:03d} {sample.name}")
                shutil.copy(sample, copies[-1])
        result["copies"] = overhead(copies)
    for name, row in (("sample documents", result["samples"]), ("copies", result["copies"])):
        print(f"{name}: {row['files']} files, {row['in_process_ms_per_file']:.1f} ms/file in process, "
              f"{row['isolated_ms_per_file']:.1f} ms/file isolated (+{row['overhead_ms_per_file']:.1f} ms); "
              f"worker start + first file {row['worker_start_and_first_file_s']:.2f} s")
    filings = args.filings or args.eval_dir / "financebench/docs"
    if filings.is_dir():
        result["filings"] = needs(filings)
        rows = result["filings"]
        print(f"filings: max {max(r['address_space_mb'] for r in rows)} MB address space, max "
              f"{max(r['cpu_s'] for r in rows)} s CPU, max {max(r['pages'] for r in rows)} pages")
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
