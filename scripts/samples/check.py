"""Check that every gold answer in data/sample_questions.jsonl occurs in its document (and PDF page)."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document
from pypdf import PdfReader


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def check(questions_path: Path, docs_dir: Path) -> list[str]:
    """Return one message per problem; ``page`` is the 1-based PDF page and null for DOCX."""
    errors: list[str] = []
    for line in questions_path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        question, answers, source, page = q["question"], q["answers_all"], q["source_file"], q["page"]
        unanswerable = q["answer"] is None
        if source is None or unanswerable or q["unanswerable"]:
            if not (unanswerable and q["unanswerable"]) or source or page is not None or answers:
                errors.append(f"inconsistent (un)answerable entry: {question}")
            continue
        path = docs_dir / source
        if path.suffix == ".pdf":
            pages = _pdf_pages(path)
            if page is None or not 1 <= page <= len(pages):
                errors.append(f"bad page {page} for {question}")
                continue
            haystack = pages[page - 1]
        else:
            if page is not None:
                errors.append(f"DOCX question must have page null: {question}")
            haystack = _docx_text(path)
        if q["answer"] not in answers:
            errors.append(f"answer not in answers_all: {question}")
        # Strict: the exact string (spaces included) must be in the extracted text, not split by a line break.
        errors.extend(
            f"{answer!r} not found in {source}" + (f" p.{page}" if page else "")
            for answer in answers
            if answer not in haystack
        )
    return errors
