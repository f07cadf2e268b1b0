"""Where parse time goes: the project's PDF parser against bare pypdf extraction (what PyPDFLoader does).

For each PDF: seconds of `ingest.parsers.parse` vs `PdfReader(...).pages[i].extract_text()` over all
pages, bare pypdfium2 text extraction (if installed: a candidate replacement), and the cost of the
parser's per-page checks (garbled_share, mixed_scripts, clean_page_text) run alone on the extracted
text. `--profile` adds a cProfile of the parser, top functions by own time.

    .venv/bin/python benchmarks/parse_profile.py [--eval-dir DIR | --docs DIR] [--files N] [--profile]

The default documents are financebench/docs of the eval folder.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from pathlib import Path
from typing import Any

from common import arguments, write_json


def main() -> int:
    ap = arguments(__doc__)
    ap.add_argument("--docs", type=Path, default=None, help="folder of PDF files (default: financebench/docs)")
    ap.add_argument("--files", type=int, default=4, help="PDFs to time (first N by name)")
    ap.add_argument("--profile", action="store_true", help="cProfile the project parser too")
    args = ap.parse_args()
    docs: Path = args.docs or args.eval_dir / "financebench/docs"

    from pypdf import PdfReader

    from ingest.parsers import parse
    from ingest.parsers.pdf import clean_page_text, garbled_share, mixed_scripts

    files = sorted(p for p in docs.iterdir() if p.suffix.lower() == ".pdf")[: args.files]
    rows: list[dict[str, Any]] = []
    try:
        import pypdfium2 as pdfium
    except ImportError:
        pdfium = None
    print(f"{'file':<32}{'pages':>6}{'pypdf s':>9}{'ours s':>9}{'checks s':>10}{'ratio':>7}{'pdfium s':>10}")
    for f in files:
        t0 = time.perf_counter()
        reader = PdfReader(f)
        texts = [p.extract_text() or "" for p in reader.pages]
        t_pypdf = time.perf_counter() - t0
        t0 = time.perf_counter()
        parse(f)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        for t in texts:
            garbled_share(t)
            mixed_scripts(t)
            clean_page_text(t)
        t_checks = time.perf_counter() - t0
        t_pdfium = float("nan")
        if pdfium is not None:
            t0 = time.perf_counter()
            pdf = pdfium.PdfDocument(f)
            for i in range(len(pdf)):
                pdf[i].get_textpage().get_text_range()
            pdf.close()
            t_pdfium = time.perf_counter() - t0
        row = {"file": f.name, "pages": len(texts), "pypdf_s": round(t_pypdf, 2), "ours_s": round(t_ours, 2),
               "checks_s": round(t_checks, 2), "ratio": round(t_ours / t_pypdf, 2),
               "pdfium_s": round(t_pdfium, 2)}
        rows.append(row)
        print(f"{f.name[:31]:<32}{len(texts):>6}{t_pypdf:>9.2f}{t_ours:>9.2f}{t_checks:>10.2f}{row['ratio']:>7}"
              f"{t_pdfium:>10.2f}")
    keys = ("pages", "pypdf_s", "ours_s", "checks_s", "pdfium_s")
    tot = {k: round(sum(r[k] for r in rows), 2) for k in keys}
    print(f"{'total':<32}{tot['pages']:>6}{tot['pypdf_s']:>9}{tot['ours_s']:>9}{tot['checks_s']:>10}"
          f"{round(tot['ours_s'] / tot['pypdf_s'], 2):>7}{tot['pdfium_s']:>10}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        parse(files[0])
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    write_json(args.json, {"files": rows, "total": tot})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
