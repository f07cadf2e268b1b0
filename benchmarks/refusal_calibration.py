"""Calibrate the evidence gate (refuse without the LLM) on the dev sets.

For each question, retrieval runs twice: as asked (answerable) and with its gold files excluded (the right
answer is then a refusal). For a grid of thresholds on the best passage's cosine similarity and on the
best share of the question's content words found in one passage, it reports the refusal rate on the
excluded runs and the false-refusal rate (gold page retrieved, yet refused) on the answerable ones.

    .venv/bin/python benchmarks/refusal_calibration.py [--eval-dir DIR] --set DOCS QUESTIONS [--set ...]
        [--limit 200] [--json OUT]

Relative DOCS and QUESTIONS are in the eval folder, e.g. `--set xquad_en_wiki/pdf xquad_en_wiki/questions_pdf.jsonl`.
Uses the eval stores under data/eval-stores/ (run `python -m rag.eval` on the same folders first, or this
script ingests them).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from common import arguments, write_json

SIMS = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
COVS = [0.4, 0.5, 0.55, 0.6, 0.7, 1.01]  # 1.01: the coverage rule off


def collect(docs: Path, questions: Path, limit: int | None) -> list[dict[str, Any]]:
    import rag
    from rag.eval.metrics import doc_hit, load_questions, page_hit, spread
    from rag.eval.run import default_store, ingest
    from rag.query.gate import coverage
    from rag.settings import Settings

    settings = Settings().replace(store_path=default_store(docs.resolve()))
    ingest(settings, docs.resolve(), progress=False)
    engine = rag.build_engine(settings)
    files = sorted(engine.index.manifest.files)
    rows = []
    for q in spread([q for q in load_questions(questions) if q.answerable], limit):
        others = [f for f in files if not any(f.rsplit("/", 1)[-1] == g.rsplit("/", 1)[-1] for g in q.files)]
        for kind, filters in (("answerable", None), ("excluded", {"file": others})):
            chunks = engine.retrieve(q.question, filters=filters)
            gold = any(page_hit(q, c.file, c.page, c.page_end) if q.pages else doc_hit(q, c.file) for c in chunks)
            rows.append({
                "kind": kind,
                "gold_retrieved": gold,
                "sim": max((c.similarity for c in chunks), default=0.0),
                "cov": max((coverage(q.question, c.text + " " + c.heading) for c in chunks), default=0.0),
            })
    return rows


def grid(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answerable = [r for r in rows if r["kind"] == "answerable" and r["gold_retrieved"]]
    excluded = [r for r in rows if r["kind"] == "excluded"]
    out = []
    for s in SIMS:
        for c in COVS:
            def passes(r: dict[str, Any], s: float = s, c: float = c) -> bool:
                return r["sim"] >= s or r["cov"] >= c

            out.append({
                "sim": s, "cov": c,
                "refusal": round(sum(not passes(r) for r in excluded) / max(len(excluded), 1), 3),
                "false_refusal": round(sum(not passes(r) for r in answerable) / max(len(answerable), 1), 3),
            })
    return out


def main() -> int:
    p = arguments(__doc__)
    p.add_argument("--set", nargs=2, action="append", metavar=("DOCS", "QUESTIONS"), required=True,
                   help="a folder of documents and its question file (repeatable)")
    p.add_argument("--limit", type=int, default=200, help="questions per set, spread over the file")
    args = p.parse_args()
    result: dict[str, Any] = {}
    for docs, questions in args.set:
        name = Path(docs).parent.name + "/" + Path(docs).name
        rows = collect(args.eval_dir / docs, args.eval_dir / questions, args.limit)
        result[name] = grid(rows)
        print(f"\n{name}: {len(rows) // 2} questions")
        print(f"{'sim':>5} " + " ".join(f"cov≥{c:<4} " for c in COVS) + "  (refusal / false refusal)")
        for s in SIMS:
            cells = [r for r in result[name] if r["sim"] == s]
            print(f"{s:>5} " + " ".join(f"{r['refusal']:.2f}/{r['false_refusal']:.2f}" for r in cells))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
