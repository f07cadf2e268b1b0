"""Who may read what: access.toml rules, written into the catalog by the real sync and enforced by the
engine for every caller (`Engine.ask_stream`, `retrieve`, the LangChain retriever), over a corpus where some
answers live only in HR's files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from ingest.sync import run_sync
from rag.access import AccessRules, caller_groups
from rag.embeddings import SentenceTransformerEmbedder
from rag.engine import Engine
from rag.errors import InvalidInput
from rag.lcel import as_langchain
from rag.llm import Message
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.rag.test_answer import FakeLLM, run

DOCS = {
    "hr/salaries.docx": ("Salary bands", [
        "The salary band for a senior engineer is 95,000 to 120,000 euros per year.",
        "The Zephyr project bonus pool is 400,000 euros, paid out every March.",
    ]),
    "hr/reviews.docx": ("Performance reviews", [
        "Performance reviews of the Quokka team are confidential.",
        "In the Quokka team review, Alice Moreau was rated outstanding.",
    ]),
    "public/office.docx": ("Office hours", [
        "The office opens at 8:00 and closes at 18:00 on weekdays.",
        "Visitors sign in at the front desk and wear a badge.",
    ]),
    "public/parking.docx": ("Parking", [
        "Employee parking is in garage B; a parking permit costs 30 euros per month.",
        "Bicycles may be parked in the courtyard.",
    ]),
}
RULES = '[[rule]]\npath = "hr/**"\ngroups = ["hr"]\n\n[[rule]]\npath = "**"\ngroups = ["everyone"]\n'
QUESTIONS = [
    "What is the salary band for a senior engineer?",
    "How big is the Zephyr project bonus pool?",
    "Who was rated outstanding in the Quokka team review?",
    "What salary does a senior engineer earn per year?",
    "When does the office open?",
]
# Anything of the HR files: their facts, headings and names.
FORBIDDEN = re.compile(r"95,000|120,000|400,000|Zephyr|Quokka|Alice Moreau|salar(y|ies) band|Salary bands|"
                       r"Performance reviews|hr/|salaries\.docx|reviews\.docx", re.I)


def write_docs(root: Path) -> None:
    for rel, (heading, paragraphs) in DOCS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        d = docx.Document()
        d.add_heading(heading, level=1)
        for text in paragraphs:
            d.add_paragraph(text)
        d.save(str(path))
    (root / "access.toml").write_text(RULES, encoding="utf-8")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory,
       embedder: SentenceTransformerEmbedder) -> tuple[Settings, KnowledgeBase]:
    root = tmp_path_factory.mktemp("access")
    write_docs(root / "docs")
    settings = Settings(store_path=root / "store", docs_dir=root / "docs")
    index = KnowledgeBase(settings, embedder=embedder)
    report = run_sync(settings, root / "docs", progress=False, index=index)
    assert not report.failed and report.files == 4
    return settings, index


def echo_first_source(messages: list[Message]) -> list[str]:
    """A model that copies its first source's first sentence and cites it: whatever it was shown shows."""
    block = re.search(r"^<source \[1\][^\n]*>\n(.*?)\n</source>$", messages[-1]["content"], re.M | re.S)
    assert block is not None
    return [block.group(1).split(". ")[0].strip().rstrip(".") + ". [1]"]


def everything_shown(engine: Engine, llm: FakeLLM, question: str, groups: list[str] | None) -> str:
    """All a caller can see of one question: the streamed text, the answer, its citations and sources,
    and what the model was shown (a prompt is where a leak starts); the question itself taken out."""
    pieces, answer = run(engine, question, groups=groups)
    shown = "\n".join([*pieces, json.dumps(answer.to_dict(), ensure_ascii=False),
                       *(m["content"] for call in llm.calls for m in call)])
    return shown.replace(question, "")


# --- the rules --------------------------------------------------------------------------------------


def test_first_matching_rule_decides_and_unmatched_files_are_closed(tmp_path: Path) -> None:
    rules = AccessRules.parse('[[rule]]\npath = "hr/*.pdf"\ngroups = ["hr", "admins"]\n'
                              '[[rule]]\npath = "**/public/**"\ngroups = ["everyone"]\n'
                              '[[rule]]\npath = "hr/**"\ngroups = ["hr-leads"]\n', tmp_path / "access.toml")
    assert rules.groups_for("hr/pay.pdf") == ("hr", "admins")
    assert rules.groups_for("hr/old/pay.pdf") == ("hr-leads",)  # `*` stays within a folder
    assert rules.groups_for("public/a.docx") == ("everyone",)  # `**/` is zero or more folders
    assert rules.groups_for("x/y/public/a.docx") == ("everyone",)
    assert rules.groups_for("finance/q3.pdf") == ()  # no rule: nobody
    assert AccessRules.load(tmp_path / "missing.toml").groups_for("anything.pdf") == ("everyone",)


@pytest.mark.parametrize(("text", "message"), [
    ("[[rule]\npath=", "not valid TOML"),
    ('[[rules]]\npath = "x"\ngroups = []\n', "unknown key 'rules'"),
    ('[[rule]]\npath = "x/**"\n', "groups must be a list"),
    ('[[rule]]\npath = "x/**"\ngroups = ["hr"]\nreaders = ["all"]\n', "unknown key 'readers'"),
    ('[[rule]]\npath = "../**"\ngroups = ["hr"]\n', "relative to the docs folder"),
    ('[[rule]]\npath = "/etc/**"\ngroups = ["hr"]\n', "relative to the docs folder"),
    ('[[rule]]\npath = "x/**"\ngroups = ["h r"]\n', "group 'h r'"),
    ('[[rule]]\npath = "x/**"\ngroups = "hr"\n', "groups must be a list"),
])
def test_bad_rules_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(message)) as e:
        AccessRules.load(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("groups", ["hr", 3, ["hr", None], ["<script>"], [""]])
def test_bad_groups_are_refused(groups: object) -> None:
    with pytest.raises(InvalidInput, match="group"):
        caller_groups(groups)  # type: ignore[arg-type]


# --- enforced in the engine -------------------------------------------------------------------------


@pytest.mark.parametrize("groups", [None, [], ["staff"], ["staff", "sales"]])
def test_a_reader_outside_hr_sees_nothing_of_hr(kb: tuple[Settings, KnowledgeBase], groups: list[str] | None) -> None:
    settings, index = kb
    llm = FakeLLM(*[echo_first_source] * len(QUESTIONS))
    engine = Engine(settings, index=index, llm=llm)
    for question in QUESTIONS:
        chunks = engine.retrieve(question, top_k=10, groups=groups)
        assert all(c.file.startswith("public/") for c in chunks), (question, [c.file for c in chunks])
        shown = everything_shown(engine, llm, question, groups)
        assert not FORBIDDEN.search(shown), (question, FORBIDDEN.search(shown))
    assert engine.readable_files(groups) == ["public/office.docx", "public/parking.docx"]


def test_hr_reads_its_files_and_the_open_ones(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = kb
    llm = FakeLLM(echo_first_source)
    engine = Engine(settings, index=index, llm=llm)
    assert engine.retrieve(QUESTIONS[0], groups=["hr"])[0].file == "hr/salaries.docx"
    assert engine.retrieve(QUESTIONS[4], groups=["hr"])[0].file == "public/office.docx"
    _, answer = run(engine, QUESTIONS[1], groups=["hr"])
    assert FORBIDDEN.search(answer.text) and answer.citations[0].file == "hr/salaries.docx"
    assert engine.readable_files(["hr"]) == sorted(DOCS)


def test_filters_cannot_reach_past_access(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = kb
    engine = Engine(settings, index=index, llm=FakeLLM())
    for filters in ({"file": "hr/salaries.docx"}, {"folder": "hr"}, {"file_name": "salaries.docx"}, {"kind": "docx"}):
        chunks = engine.retrieve(QUESTIONS[0], top_k=10, filters=filters, groups=["staff"])
        assert all(c.file.startswith("public/") for c in chunks), filters


def test_the_langchain_retriever_keeps_its_users_groups(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = kb
    engine = Engine(settings, index=index, llm=FakeLLM())
    staff = as_langchain(engine.retriever, k=10, groups=["staff"])
    hr = as_langchain(engine.retriever, k=10, groups=["hr"])
    for question in QUESTIONS:
        assert all(d.metadata["file"].startswith("public/") for d in staff.invoke(question))
        assert not FORBIDDEN.search(" ".join(d.page_content for d in staff.invoke(question, k=3)))
    assert hr.invoke(QUESTIONS[2])[0].metadata["file"] == "hr/reviews.docx"
    with pytest.raises(InvalidInput, match="group"):
        as_langchain(engine.retriever, groups="hr")


# --- rules change at the next sync, without re-embedding ---------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[tuple[Settings, KnowledgeBase]]:
    write_docs(tmp_path / "docs")
    settings = Settings(store_path=tmp_path / "store", docs_dir=tmp_path / "docs")
    index = KnowledgeBase(settings, embedder=embedder)
    run_sync(settings, tmp_path / "docs", progress=False, index=index)
    yield settings, index


def test_a_rule_change_applies_at_the_next_sync_without_embedding(
        fresh: tuple[Settings, KnowledgeBase], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, index = fresh
    engine = Engine(settings, index=index, llm=FakeLLM())
    assert all(c.file.startswith("public/") for c in engine.retrieve(QUESTIONS[2], top_k=10, groups=["staff"]))
    ids_before = sorted(index.store.ids())
    (settings.store.docs_dir / "access.toml").write_text(
        '[[rule]]\npath = "hr/reviews.docx"\ngroups = ["hr", "staff"]\n' + RULES, encoding="utf-8")

    def no_embedding(texts: list[str]) -> object:
        assert not texts, "a rule change must not embed anything"
        return embed(texts)

    embed = index.embedder.embed_documents

    monkeypatch.setattr(index.embedder, "embed_documents", no_embedding)
    dry = run_sync(settings, settings.store.docs_dir, progress=False, index=index, dry_run=True)
    assert dry.access_changed == ["hr/reviews.docx"]
    # A dry run changes nothing.
    assert engine.readable_files(["staff"]) == ["public/office.docx", "public/parking.docx"]
    report = run_sync(settings, settings.store.docs_dir, progress=False, index=index)
    assert report.access_changed == ["hr/reviews.docx"] and "1 changed access" in report.summary()
    assert report.added == report.updated == report.deleted == [] and report.unchanged == 4
    assert sorted(index.store.ids()) == ids_before
    monkeypatch.undo()  # questions embed
    assert engine.retrieve(QUESTIONS[2], groups=["staff"])[0].file == "hr/reviews.docx"
    assert "hr/salaries.docx" not in engine.readable_files(["staff"])
    # Rules taken away: everything is open again.
    (settings.store.docs_dir / "access.toml").unlink()
    report = run_sync(settings, settings.store.docs_dir, progress=False, index=index)
    assert report.access_changed == ["hr/reviews.docx", "hr/salaries.docx"]
    assert engine.readable_files() == sorted(DOCS)


def test_broken_rules_stop_the_sync_and_change_nothing(fresh: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = fresh
    (settings.store.docs_dir / "access.toml").write_text('[[rule]]\npath = "hr/**"\ngroups = "hr"\n',
                                                         encoding="utf-8")
    (settings.store.docs_dir / "public" / "parking.docx").unlink()
    with pytest.raises(InvalidInput, match="groups must be a list"):
        run_sync(settings, settings.store.docs_dir, progress=False, index=index)
    assert len(index.manifest.files) == 4  # not even the deleted file is dropped
    engine = Engine(settings, index=index, llm=FakeLLM())
    assert "hr/salaries.docx" not in engine.readable_files(["staff"])
