"""Scoring of retrieval and answers against gold question files (format of shared/eval/*/questions*.jsonl)."""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KS = (1, 3, 5, 10)


@dataclass
class Question:
    question: str
    answers: list[str]
    files: list[str]
    pages: list[int]
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return bool(self.files) and not self.raw.get("unanswerable")


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        answers = [a for a in (row.get("answers_all") or []) if a] or ([row["answer"]] if row.get("answer") else [])
        files = list(row.get("source_files") or []) or ([row["source_file"]] if row.get("source_file") else [])
        pages = list(row.get("pages") or []) or ([row["page"]] if row.get("page") is not None else [])
        out.append(Question(row["question"], [str(a) for a in answers], files, [int(p) for p in pages], row))
    return out


def spread(items: Sequence[Any], n: int | None) -> list[Any]:
    """n items spread evenly over the list, so a limit still samples every document."""
    if n is None or n >= len(items):
        return list(items)
    return [items[int(i * len(items) / n)] for i in range(n)]


def same_file(stored: str, gold: str) -> bool:
    return stored == gold or stored.rsplit("/", 1)[-1] == gold.rsplit("/", 1)[-1]


def doc_hit(q: Question, file: str) -> bool:
    return any(same_file(file, g) for g in q.files)


def page_hit(q: Question, file: str, page: int | None, page_end: int | None = None) -> bool:
    if page is None or not doc_hit(q, file):
        return False
    return any(page <= p <= (page_end or page) for p in q.pages)


def first_rank(flags: Sequence[bool]) -> int | None:
    return next((i + 1 for i, f in enumerate(flags) if f), None)


def retrieval_metrics(ranks_doc: list[int | None], ranks_page: list[int | None], latencies: list[float]) -> dict:
    def hits(ranks: list[int | None], k: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= k) / len(ranks), 4) if ranks else 0.0

    def mrr(ranks: list[int | None]) -> float:
        return round(sum(1 / r for r in ranks if r is not None and r <= 10) / len(ranks), 4) if ranks else 0.0

    out: dict[str, Any] = {f"doc_hit@{k}": hits(ranks_doc, k) for k in KS}
    out.update({f"page_hit@{k}": hits(ranks_page, k) for k in KS})
    out["doc_mrr@10"] = mrr(ranks_doc)
    out["page_mrr@10"] = mrr(ranks_page)
    out["questions"] = len(ranks_doc)
    out["questions_with_pages"] = len(ranks_page)
    out.update(latency_stats(latencies, "latency"))
    return out


def latency_stats(values: list[float], prefix: str) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {f"{prefix}_p50_ms": round(statistics.median(ordered) * 1000, 1), f"{prefix}_p95_ms": round(p95 * 1000, 1)}


_NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")


def _numbers(text: str) -> list[float]:
    out = []
    for m in _NUMBER.findall(text):
        try:
            out.append(float(m.replace(",", "").rstrip(".")))
        except ValueError:
            continue
    return out


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()
)}
_PUNCT = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    """SQuAD's answer normalisation (case, punctuation, articles, spacing), and small number words as
    digits: "six to nine percent" and "6 to 9 percent" are the same answer."""
    words = _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).lower()).split()
    return " ".join(_NUMBER_WORDS.get(w, w) for w in words if w not in ("a", "an", "the"))


def answer_correct(answer: str, golds: Sequence[str]) -> bool:
    """Any gold span in the answer, both normalised; a numeric gold also matches a number within 1%."""
    low = answer.lower()
    padded = f" {normalise(answer)} "
    for gold in golds:
        g = gold.strip().lower()
        norm = normalise(g)
        if g and (g in low or (norm and f" {norm} " in padded)):
            return True
        gold_nums = _numbers(gold)
        if len(gold_nums) == 1 and re.fullmatch(r"[\s$€£¥%()a-z.,\-\d]*", g):
            target = gold_nums[0]
            if any(abs(x - target) <= abs(target) * 0.01 for x in _numbers(answer)):
                return True
    return False
