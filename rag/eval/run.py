"""The eval: ingest with the normal sync, then ask through the same engine as `rag.ask()`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.eval.metrics import (
    Question,
    answer_correct,
    doc_hit,
    first_rank,
    latency_stats,
    page_hit,
    retrieval_metrics,
    spread,
)
from rag.settings import PROJECT_ROOT, Settings
from rag.types import RetrievedChunk


def default_store(docs: Path) -> Path:
    key = hashlib.sha1(str(docs.resolve()).encode()).hexdigest()[:8]
    return PROJECT_ROOT / "data" / "eval-stores" / f"{docs.name}-{key}"


def ingest(settings: Settings, docs: Path, progress: bool) -> dict[str, Any]:
    from ingest.sync import run_sync
    from rag.errors import StoreMismatch

    try:
        report = run_sync(settings, docs, progress=progress)
    except StoreMismatch:
        # The eval measures the current settings: rebuild rather than refuse.
        report = run_sync(settings, docs, progress=progress, reindex=True)
    return {"seconds": report.seconds, "chunks": report.chunks, "files": report.files,
            "failed": len(report.failed)}


def evaluate_retrieval(
    search: Callable[[str], list[RetrievedChunk]], questions: list[Question], *, tick: Callable[[], None] = lambda: None
) -> dict[str, Any]:
    ranks_doc: list[int | None] = []
    ranks_page: list[int | None] = []
    latencies = []
    for q in questions:
        t = time.perf_counter()
        chunks = search(q.question)
        latencies.append(time.perf_counter() - t)
        ranks_doc.append(first_rank([doc_hit(q, c.file) for c in chunks]))
        if q.pages:
            ranks_page.append(first_rank([page_hit(q, c.file, c.page, c.page_end) for c in chunks]))
        tick()
    return retrieval_metrics(ranks_doc, ranks_page, latencies)


def evaluate_answers(
    engine: Any, answerable: list[Question], unanswerable: list[Question], all_files: list[str],
    *, tick: Callable[[], None] = lambda: None, log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    correct = cited = cited_ok = refused_answerable = false_refusals = 0
    first_token, total = [], []
    for q in answerable:
        a = engine.ask(q.question)
        total.append(a.timings.get("total", 0.0))
        if not a.refused:
            first_token.append(a.timings.get("first_token", 0.0))
        ok = not a.refused and answer_correct(a.text, q.answers)
        correct += ok
        for c in a.citations:
            cited += 1
            cited_ok += page_hit(q, c.file, c.page) if q.pages else doc_hit(q, c.file)
        if a.refused:
            refused_answerable += 1
            gold_found = any(page_hit(q, c.file, c.page, c.page_end) if q.pages else doc_hit(q, c.file)
                             for c in a.sources)
            false_refusals += gold_found
        log(f"{'OK ' if ok else 'BAD'} {'REFUSED ' if a.refused else ''}{q.question} -> {a.text[:160]!r} "
            f"gold={q.answers[:2]}")
        tick()
    refused_right = 0
    for q in unanswerable:
        others = [f for f in all_files if not any(f.rsplit("/", 1)[-1] == g.rsplit("/", 1)[-1] for g in q.files)]
        a = engine.ask(q.question, filters={"file": others})
        refused_right += a.refused
        log(f"{'OK ' if a.refused else 'BAD'} UNANSWERABLE {q.question} -> {a.text[:120]!r}")
        tick()
    n = len(answerable)
    out: dict[str, Any] = {
        "accuracy": round(correct / n, 4) if n else None,
        "citation_precision": round(cited_ok / cited, 4) if cited else None,
        "refusal_accuracy": round(refused_right / len(unanswerable), 4) if unanswerable else None,
        "false_refusal": round(false_refusals / n, 4) if n else None,
        "refused_answerable": round(refused_answerable / n, 4) if n else None,
        "questions": n,
        "unanswerable": len(unanswerable),
        "model": engine.settings.llm.model,
    }
    out.update(latency_stats(first_token, "first_token"))
    out.update(latency_stats(total, "total"))
    return out


def pick_questions(questions: list[Question], limit: int | None, unanswerable: int) -> tuple[list, list]:
    answerable = [q for q in questions if q.answerable]
    chosen = spread(answerable, limit)
    rest = [q for q in answerable if q not in chosen]
    explicit = [q for q in questions if q.raw.get("unanswerable")]
    # Further questions asked with their gold files excluded: the right answer is a refusal.
    extra = spread(rest or answerable, unanswerable) if unanswerable else []
    return chosen, extra + (explicit if unanswerable else [])
