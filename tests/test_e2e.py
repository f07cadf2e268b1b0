"""End to end with nothing faked: the sample documents through the real sync, questions through
`rag.build_engine()` and `python -m rag` with the real default GGUF model (qwen2.5-coder-1.5b)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any

import pytest

import rag
from ingest.sync import run_sync
from rag.engine import Engine
from rag.models import CATALOGUE
from rag.settings import PROJECT_ROOT, Settings
from rag.types import Answer

pytestmark = pytest.mark.slow

QUESTIONS = [json.loads(line) for line in (PROJECT_ROOT / "data" / "sample_questions.jsonl").open(encoding="utf-8")]
# Short gold answers: one fact the model can state in a few tokens.
ANSWERABLE = next(q for q in QUESTIONS if q["question"].startswith("How many days of paid annual leave"))
CLI_QUESTION = next(q for q in QUESTIONS if q["question"].startswith("What is the payload capacity"))
UNANSWERABLE = next(q for q in QUESTIONS if q["unanswerable"] and "dental" in q["question"])
MAX_TOKENS = 64


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("e2e")
    docs = root / "docs"
    shutil.copytree(PROJECT_ROOT / "data" / "docs", docs)
    settings = Settings(store_path=root / "store", docs_dir=docs, temperature=0.0, max_new_tokens=MAX_TOKENS)
    report = run_sync(settings, docs, progress=False)
    assert not report.failed and report.files == 4
    return settings


@pytest.fixture(scope="module")
def engine(kb: Settings) -> Engine:
    return rag.build_engine(kb)


def contains_gold(text: str, q: dict[str, Any]) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s.replace(",", "")).lower()

    return any(norm(g) in norm(text) for g in q["answers_all"])


def cites_gold(answer: Answer, q: dict[str, Any]) -> bool:
    by_id = {c.id: c for c in answer.sources}
    for cite in answer.citations:
        chunk = by_id.get(cite.chunk_id)
        if chunk is None or cite.file != q["source_file"]:
            continue
        if q["page"] is None or (chunk.page or 0) <= q["page"] <= (chunk.page_end or chunk.page or 0):
            return True
    return False


def test_answer_is_correct_and_cited(engine: Engine) -> None:
    answer = engine.ask(ANSWERABLE["question"])
    assert not answer.refused, answer
    assert contains_gold(answer.text, ANSWERABLE), answer.text
    assert cites_gold(answer, ANSWERABLE), (answer.text, answer.citations)
    assert answer.model == CATALOGUE[Settings().llm.model].filename
    assert set(answer.timings) == {"retrieve", "first_token", "total"}
    # Every marker in the text points at a listed citation.
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}


def test_unanswerable_question_is_refused(engine: Engine, kb: Settings) -> None:
    answer = engine.ask(UNANSWERABLE["question"])
    assert answer.refused
    assert answer.text == kb.answer.refusal_text and answer.citations == []


def test_cli_prints_answer_and_sources(kb: Settings) -> None:
    if not (PROJECT_ROOT / "rag" / "__main__.py").is_file():
        pytest.skip("rag/__main__.py (the CLI) does not exist yet")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_TEMPERATURE": "0", "RAG_MAX_NEW_TOKENS": str(MAX_TOKENS)}
    done = subprocess.run(
        [sys.executable, "-m", "rag", "--store", str(kb.store.path), CLI_QUESTION["question"]],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert contains_gold(out, CLI_QUESTION), out
    assert "Sources:" in out, out
    source_lines = re.findall(r"^\s*\[(\d+)\] (.+?), page (\d+)", out, re.M)
    assert (CLI_QUESTION["source_file"], str(CLI_QUESTION["page"])) in [(f, p) for _, f, p in source_lines], out


@pytest.fixture(scope="module")
def ruled(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """HR files and open files under access.toml, through the real sync."""
    from tests.rag.test_access import write_docs

    root = tmp_path_factory.mktemp("ruled")
    write_docs(root / "docs")
    settings = Settings(store_path=root / "store", docs_dir=root / "docs", temperature=0.0,
                        max_new_tokens=MAX_TOKENS)
    assert not run_sync(settings, root / "docs", progress=False).failed
    return settings


def cli(store: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_TEMPERATURE": "0", "RAG_MAX_NEW_TOKENS": str(MAX_TOKENS),
           "RAG_DOCS_DIR": str(store.store.docs_dir)}
    return subprocess.run([sys.executable, "-m", "rag", "--store", str(store.store.path), *args],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_cli_answers_with_the_callers_groups_only(ruled: Settings) -> None:
    from tests.rag.test_access import FORBIDDEN, QUESTIONS

    question = QUESTIONS[1]  # the bonus pool: in an HR file only
    staff = cli(ruled, "--groups", "staff", "--json", question)
    assert staff.returncode == 0, staff.stderr
    shown = staff.stdout.replace(question, "")
    assert not FORBIDDEN.search(shown), shown
    hr = cli(ruled, "--groups", "hr", "--json", question)
    assert hr.returncode == 0, hr.stderr
    answer = json.loads(hr.stdout)
    assert "400,000" in answer["text"].replace(" ", ""), answer["text"]
    assert [c["file"] for c in answer["citations"]] == ["hr/salaries.docx"]
    bad = cli(ruled, "--groups", "h r", question)
    assert bad.returncode == 2 and "group 'h r'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_sources_that_disagree_are_both_given(tmp_path_factory: pytest.TempPathFactory) -> None:
    import docx

    root = tmp_path_factory.mktemp("disagree")
    for name, figure in (("travel-policy.docx", 40), ("travel-faq.docx", 55)):
        d = docx.Document()
        d.add_paragraph(f"The daily meal allowance on business trips is {figure} euros. Hotels go through the desk.")
        d.save(str(root / name))
    settings = Settings(store_path=root / "store", docs_dir=root, temperature=0.0, max_new_tokens=MAX_TOKENS)
    assert not run_sync(settings, root, progress=False).failed
    answer = rag.build_engine(settings).ask("What is the daily meal allowance on business trips?")
    assert "40" in answer.text and "55" in answer.text, answer.text
    assert sorted(c.file for c in answer.citations) == ["travel-faq.docx", "travel-policy.docx"]
