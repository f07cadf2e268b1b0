"""Render the demo corpus from scripts/samples/*.md and check the demo questions against it.

A dev-time tool, not part of the application: it needs ``fpdf2``, ``python-docx`` and ``pypdf``
(fpdf2 is deliberately not a project dependency), e.g. in a throwaway virtualenv::

    python3.11 -m venv /tmp/genvenv
    /tmp/genvenv/bin/pip install fpdf2 python-docx pypdf
    /tmp/genvenv/bin/python scripts/make_samples.py          # render into data/docs
    /tmp/genvenv/bin/python scripts/make_samples.py --check  # render, then check the questions

Each sample file names its output below data/docs (front matter ``file``); its suffix picks the renderer.
The documents are about the fictional company "Northwind Robotics" (all text was written for this project):
a 6-page Employee Handbook (one topic per page), a 2-page NR-200 datasheet (spec table, prices, warranty),
an IT Security Policy (headings, tables, numbered list) and a Chinese travel-reimbursement policy.
``data/sample_questions.jsonl`` holds the demo questions, gold answers and their locations. Output is
deterministic (fixed dates and ZIP timestamps): re-running yields identical bytes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from samples import document, render_docx, render_pdf
from samples.check import check

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
DOCS_DIR = ROOT / "data" / "docs"
QUESTIONS_PATH = ROOT / "data" / "sample_questions.jsonl"

RENDERERS: dict[str, Callable[[document.Sample], bytes]] = {".pdf": render_pdf.render, ".docx": render_docx.render}


def main() -> int:
    """Render every sample; with ``--check`` also verify the gold answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the gold answers against the rendered files")
    args = parser.parse_args()

    for source in sorted(SAMPLES_DIR.glob("*.md")):
        sample = document.read(source)
        data = RENDERERS[Path(sample.file).suffix](sample)
        path = DOCS_DIR / sample.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")

    if args.check:
        errors = check(QUESTIONS_PATH, DOCS_DIR)
        for err in errors:
            print(f"CHECK FAILED: {err}", file=sys.stderr)
        if errors:
            return 1
        print("check passed: every gold answer found at its stated location")
    return 0


if __name__ == "__main__":
    sys.exit(main())
