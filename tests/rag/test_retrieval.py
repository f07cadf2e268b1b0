"""Hybrid retrieval on the sample documents ingested with the real sync: gold pages, filters on both
sides, the BM25 index across add/update/delete, and the LangChain adapter with LangChain's own standard
retriever tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from ingest.sync import run_sync
from rag.embeddings import SentenceTransformerEmbedder
from rag.errors import InvalidInput
from rag.lcel import LangChainRetriever, as_langchain
from rag.query.filters import scope
from rag.query.retriever import Retriever
from rag.settings import PROJECT_ROOT, Settings
from rag.store.knowledge_base import KnowledgeBase

SAMPLES = PROJECT_ROOT / "data" / "docs"
QUESTIONS = [json.loads(line) for line in (PROJECT_ROOT / "data" / "sample_questions.jsonl").read_text().splitlines()]
ALL_FILES = {
    "Employee Handbook.pdf", "Product Datasheet NR-200.pdf",
    "policies/IT Security Policy.docx", "policies/差旅报销制度.docx",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory,
           embedder: SentenceTransformerEmbedder) -> tuple[Settings, KnowledgeBase]:
    """The four sample documents, synced once for the read-only tests of this module."""
    root = tmp_path_factory.mktemp("retrieval")
    shutil.copytree(SAMPLES, root / "docs")
    settings = Settings(store_path=root / "store", docs_dir=root / "docs")
    index = KnowledgeBase(settings, embedder=embedder)
    report = run_sync(settings, root / "docs", progress=False, index=index)
    assert sorted(report.added) == sorted(ALL_FILES) and not report.failed
    index.refresh()  # take the post-sync stamp now, so no search reloads the index under a spy
    return settings, index


def _sample_retriever(corpus: tuple[Settings, KnowledgeBase]) -> Retriever:
    return Retriever(corpus[1], corpus[0].retrieval, keep_ranked=corpus[0].answer.sources)


@pytest.fixture
def retriever(corpus: tuple[Settings, KnowledgeBase]) -> Retriever:
    return _sample_retriever(corpus)


def _files(index: KnowledgeBase, ids: list[str]) -> set[str]:
    return {str(m["file"]) for m in index.store.get(ids=ids).metadatas}


def _spy(monkeypatch: pytest.MonkeyPatch, obj: object, name: str) -> list[list[tuple[str, float]]]:
    """Record what a real method returned (it still runs)."""
    seen: list[list[tuple[str, float]]] = []
    original = getattr(obj, name)

    def wrapper(*args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        out = original(*args, **kwargs)
        seen.append(out)
        return out

    monkeypatch.setattr(obj, name, wrapper)
    return seen


# --- (a) gold file and page in the top 3 ---------------------------------------------------------

GOLD = [q for q in QUESTIONS if not q["unanswerable"]]


@pytest.mark.parametrize("q", GOLD, ids=[q["question"][:40] for q in GOLD])
def test_gold_file_and_page_in_top_3(retriever: Retriever, q: dict[str, Any]) -> None:
    chunks = retriever.search(q["question"], top_k=3)
    assert len(chunks) == 3
    assert any(
        c.file == q["source_file"] and (q["page"] is None or (c.page or 0) <= q["page"] <= (c.page_end or 0))
        for c in chunks
    ), [(c.file, c.page, c.page_end) for c in chunks]
    scores = [c.score for c in chunks]
    assert scores == sorted(scores, reverse=True)


def test_past_what_the_model_reads_each_result_is_a_new_page(corpus: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = corpus
    spread = Retriever(index, settings.retrieval, keep_ranked=2)
    plain = Retriever(index, settings.retrieval, keep_ranked=99)
    changed = 0
    for q in QUESTIONS:
        ranked = plain.search(q["question"], top_k=60)
        pages = {(c.file, c.page) for c in ranked[:2]}
        expected, waiting = ranked[:2], []
        for c in ranked[2:]:
            page = (c.file, c.page) if c.page is not None else c.id
            (waiting if page in pages else expected).append(c)
            pages.add(page)
        got = spread.search(q["question"], top_k=6)
        assert [c.id for c in got] == [c.id for c in (expected + waiting)[:6]], q["question"]
        changed += [c.id for c in got] != [c.id for c in ranked[:6]]
    assert changed  # the sample PDFs' pages hold several chunks each: some rankings repeat a page


def test_chinese_question_finds_the_chinese_policy(retriever: Retriever) -> None:
    chunks = retriever.search("在一类城市出差，每晚的住宿标准是多少？", top_k=3)
    assert chunks[0].file == "policies/差旅报销制度.docx"
    assert any("600" in c.text for c in chunks)
    # The English-only encoder cannot read the question: its similarity must not feed the refusal gate.
    assert all(c.similarity == 0.0 for c in chunks)


def test_empty_question_and_unknown_filter_return_nothing(retriever: Retriever) -> None:
    assert retriever.search("   ") == []
    assert retriever.search("annual leave", filters={"file": "no-such-file.pdf"}) == []
    assert retriever.search("annual leave", filters={"folder": "nowhere"}) == []


# --- (b) filters restrict both sides -------------------------------------------------------------

FILTER_CASES = [
    # (filters, files allowed, question with strong lexical hits outside the filter)
    ({"file": "Employee Handbook.pdf"}, {"Employee Handbook.pdf"},
     "NR-200 payload battery warranty list price, and annual leave days"),
    ({"file": ["Employee Handbook.pdf", "policies/IT Security Policy.docx"]},
     {"Employee Handbook.pdf", "policies/IT Security Policy.docx"},
     "NR-200 battery warranty charge cycles, password length and Data Protection Officer"),
    ({"folder": "policies"}, {"policies/IT Security Policy.docx", "policies/差旅报销制度.docx"},
     "NR-200 payload battery charge, and how quickly a leaver's accounts are disabled"),
    ({"kind": "pdf"}, {"Employee Handbook.pdf", "Product Datasheet NR-200.pdf"},
     "Data Protection Officer informed of an incident involving personal data, remote work days"),
    ({"file_name": "IT Security Policy.docx"}, {"policies/IT Security Policy.docx"},
     "NR-200 list price and per diem for a business trip, Confidential information retained"),
]


@pytest.mark.parametrize(("filters", "allowed", "question"), FILTER_CASES, ids=[str(c[0]) for c in FILTER_CASES])
def test_filters_restrict_dense_and_lexical_sides(
    corpus: tuple[Settings, KnowledgeBase], monkeypatch: pytest.MonkeyPatch,
    filters: dict[str, Any], allowed: set[str], question: str,
) -> None:
    settings, index = corpus
    # Unfiltered, the lexical side ranks a chunk outside the filter first: the filter has work to do.
    unfiltered = index.lexical.search(question, 40)
    assert _files(index, [unfiltered[0][0]]) - allowed

    retriever = Retriever(index, settings.retrieval, keep_ranked=3)
    # The dense side's candidates as they go to fusion (it may ask the store for more and keep those in scope).
    dense_seen = _spy(monkeypatch, retriever, "_dense")
    lexical_seen = _spy(monkeypatch, index.lexical, "search")
    chunks = retriever.search(question, top_k=10, filters=filters)
    assert chunks and {c.file for c in chunks} <= allowed
    assert len(dense_seen) == 1 and len(lexical_seen) == 1
    assert dense_seen[0] and _files(index, [cid for cid, _ in dense_seen[0]]) <= allowed
    assert lexical_seen[0] and _files(index, [cid for cid, _ in lexical_seen[0]]) <= allowed

    # Each side alone through the real retriever (the other weighted out): still only allowed files.
    for side in ({"dense_weight": 0.0}, {"lexical_weight": 0.0}):
        one_side = Retriever(index, settings.retrieval.model_copy(update=side), keep_ranked=3)
        alone = one_side.search(question, top_k=10, filters=filters)
        assert alone and {c.file for c in alone} <= allowed, side


def test_lexical_only_hit_outside_the_filter_does_not_come_back(corpus: tuple[Settings, KnowledgeBase]) -> None:
    settings, index = corpus
    question = "battery bumper charge cycles"  # words only the datasheet has
    lexical_only = Retriever(index, settings.retrieval.model_copy(update={"dense_weight": 0.0}), keep_ranked=3)
    hits = lexical_only.search(question, top_k=5)
    assert hits and {c.file for c in hits} == {"Product Datasheet NR-200.pdf"}
    # Filtered to the policies, the lexical side has nothing to give, and nothing leaks through it.
    assert lexical_only.search(question, top_k=5, filters={"folder": "policies"}) == []
    both = Retriever(index, settings.retrieval, keep_ranked=3).search(question, top_k=5, filters={"folder": "policies"})
    assert both and {c.file for c in both} <= {"policies/IT Security Policy.docx", "policies/差旅报销制度.docx"}


# --- (c) the BM25 index follows add / update / delete --------------------------------------------


def _docx(path: Path, *paragraphs: str) -> None:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    d.save(str(path))


def test_lexical_index_follows_add_update_delete(
    make_settings: Callable[..., Settings], embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    settings = make_settings()
    index = KnowledgeBase(settings, embedder=embedder)
    lexical_only = Retriever(index, settings.retrieval.model_copy(update={"dense_weight": 0.0}), keep_ranked=3)

    def sync() -> None:
        run_sync(settings, docs, progress=False, index=index)
        # The BM25 index covers exactly the store's committed chunks.
        assert sorted(index.lexical.ids) == sorted(index.store.ids())

    def found(word: str) -> set[str]:
        # The BM25 index itself (no query embedding: ~0.5 s each on a busy machine); the retrievers
        # below check the same through search().
        ids = [cid for cid, _ in index.lexical.search(word, 5)]
        got = index.store.get(ids=ids)
        assert len(got.ids) == len(ids)  # no BM25 hit points at a chunk the store no longer has
        return {str(m["file"]) for m in got.metadatas}

    _docx(docs / "alpha.docx", "The zorblaxian calibration of the press runs every Tuesday.")
    _docx(docs / "beta.docx", "Visitors sign the quellingham register at the front desk.")
    sync()
    assert found("zorblaxian") == {"alpha.docx"} and found("quellingham") == {"beta.docx"}
    assert {c.file for c in lexical_only.search("zorblaxian", top_k=5)} == {"alpha.docx"}

    # A reader opened before the next syncs (the page, another process) must see them too.
    lexical = settings.retrieval.model_copy(update={"dense_weight": 0.0})
    reader = Retriever(KnowledgeBase(settings, embedder=embedder), lexical, keep_ranked=3)

    _docx(docs / "alpha.docx", "The vintrobic calibration of the press runs every Thursday.")  # update
    _docx(docs / "gamma.docx", "Spare keys are kept in the plumtrove cabinet.")  # add
    sync()
    assert found("vintrobic") == {"alpha.docx"} and found("plumtrove") == {"gamma.docx"}
    assert found("zorblaxian") == set() and lexical_only.search("zorblaxian", top_k=5) == []
    assert {c.file for c in reader.search("vintrobic", top_k=5)} == {"alpha.docx"}
    assert reader.search("zorblaxian", top_k=5) == []

    (docs / "beta.docx").unlink()  # delete
    sync()
    assert found("quellingham") == set()
    assert found("vintrobic") == {"alpha.docx"} and found("plumtrove") == {"gamma.docx"}
    assert reader.search("quellingham", top_k=5) == []


# --- (d) LangChain adapter -----------------------------------------------------------------------

PAYLOAD_Q = "What is the payload capacity of the NR-200?"
RETENTION_Q = "How long must Confidential information be retained?"


def test_langchain_retriever_adapter(retriever: Retriever) -> None:
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    lc = as_langchain(retriever, top_k=3)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke(PAYLOAD_Q)
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert top.metadata["file"] == "Product Datasheet NR-200.pdf" and top.metadata["page"] == 1
    assert "200 kg" in " ".join(d.page_content for d in docs)
    assert top.id and top.metadata["score"] >= docs[-1].metadata["score"]
    # DOCX chunks have no page; filters pass through.
    scoped = as_langchain(retriever, top_k=2, filters={"folder": "policies"})
    policy_docs = scoped.invoke(RETENTION_Q)
    assert policy_docs and all(d.metadata["file"].startswith("policies/") for d in policy_docs)
    assert policy_docs[0].metadata["page"] is None


def _ids(docs: list[Any]) -> list[str]:
    return [d.id for d in docs]


@pytest.mark.parametrize("spelling", ["k", "top_k"])
def test_langchain_count_in_constructor_and_per_call(retriever: Retriever, spelling: str) -> None:
    ranked = [c.id for c in retriever.search(PAYLOAD_Q, top_k=4)]
    lc = as_langchain(retriever, **{spelling: 2})
    assert _ids(lc.invoke(PAYLOAD_Q)) == ranked[:2]
    assert _ids(lc.invoke(PAYLOAD_Q, **{spelling: 1})) == ranked[:1]  # the call's count wins
    assert _ids(lc.invoke(PAYLOAD_Q, k=4)) == ranked
    default = as_langchain(retriever)
    assert len(default.invoke(PAYLOAD_Q)) == retriever.settings.top_k
    assert _ids(default.invoke(PAYLOAD_Q, top_k=3)) == ranked[:3]


def test_langchain_filters_per_call_narrow_the_constructors(retriever: Retriever) -> None:
    lc = as_langchain(retriever, k=3)
    every = {d.metadata["file"] for d in lc.invoke(RETENTION_Q, k=10)}
    assert len(every) > 1  # unfiltered, the question finds more than one file
    one_file = lc.invoke(RETENTION_Q, filters={"file": "policies/IT Security Policy.docx"})
    assert len(one_file) == 3 and {d.metadata["file"] for d in one_file} == {"policies/IT Security Policy.docx"}

    scoped = as_langchain(retriever, k=3, filters={"folder": "policies"})
    assert {d.metadata["file"] for d in scoped.invoke(PAYLOAD_Q)} <= {f for f in ALL_FILES if f.startswith("policies/")}
    # A call's keys join the constructor's: a file outside the folder leaves nothing to search.
    assert scoped.invoke(PAYLOAD_Q, k=1, filters={"file": "Product Datasheet NR-200.pdf"}) == []
    # ... and a key set to None drops the constructor's.
    widened = scoped.invoke(PAYLOAD_Q, k=1, filters={"folder": None})
    assert widened[0].metadata["file"] == "Product Datasheet NR-200.pdf"
    assert scoped.filters == {"folder": "policies"}  # calls leave the retriever as it was


async def test_langchain_ainvoke_honours_count_and_filters(retriever: Retriever) -> None:
    lc = as_langchain(retriever, k=3)
    docs = await lc.ainvoke(RETENTION_Q, k=1, filters={"folder": "policies"})
    assert len(docs) == 1 and docs[0].metadata["file"].startswith("policies/")
    assert _ids(docs) == _ids(lc.invoke(RETENTION_Q, k=1, filters={"folder": "policies"}))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k": 0}, "k must be a whole number of at least 1, got 0"),
        ({"top_k": -2}, "top_k must be a whole number of at least 1, got -2"),
        ({"k": "3"}, "k must be a whole number of at least 1, got '3'"),
        ({"k": 2.0}, "k must be a whole number of at least 1, got 2.0"),
        ({"top_k": True}, "top_k must be a whole number of at least 1, got True"),
        ({"k": 1, "top_k": 2}, "k=1 and top_k=2 disagree: give one of them"),
        ({"filters": "policies"}, "filters must map metadata keys (str) to values, got str"),
        ({"filters": {1: "a.pdf"}}, "filters must map metadata keys (str) to values, got dict"),
    ],
)
def test_langchain_bad_options_are_one_line_invalid_input(
    retriever: Retriever, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as built:
        as_langchain(retriever, **options)
    with pytest.raises(InvalidInput) as called:
        as_langchain(retriever).invoke(PAYLOAD_Q, **options)
    assert str(built.value) == str(called.value) == message


class TestLangChainStandardRetriever(RetrieversIntegrationTests):
    """LangChain's own retriever contract (langchain-tests), the count spelled `k`."""

    @pytest.fixture(autouse=True)
    def _over_the_samples(self, corpus: tuple[Settings, KnowledgeBase]) -> None:
        self.sample_retriever = _sample_retriever(corpus)

    @property
    def retriever_constructor(self) -> type[LangChainRetriever]:
        return LangChainRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"retriever": self.sample_retriever}

    @property
    def retriever_query_example(self) -> str:
        return PAYLOAD_Q


class TestLangChainStandardRetrieverTopK(TestLangChainStandardRetriever):
    """The same contract with the count spelled `top_k`."""

    @property
    def num_results_arg_name(self) -> str:
        return "top_k"


def test_similarity_to_ranks_a_paraphrase_and_skips_what_the_encoder_cannot_read(retriever: Retriever) -> None:
    similarity = retriever.similarity_to("Who first sent radio waves across the Atlantic?")
    assert similarity is not None
    answer, other = similarity(["Marconi made the first transatlantic wireless transmission in 1901.",
                                "The first bridge across the river opened in 1901."])
    assert answer > other
    assert retriever.similarity_to("年假有多少天？") is None  # English-only encoder, Chinese question


@pytest.mark.parametrize("fetch_max", [1, 2000])  # 1: always the store's filter; 2000: over-fetch and keep
def test_both_ways_of_a_scoped_dense_search_agree(corpus: tuple[Settings, KnowledgeBase], fetch_max: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    settings, index = corpus
    filters, allowed, question = FILTER_CASES[0]
    retriever = Retriever(index, settings.retrieval.model_copy(update={"scope_fetch_max": fetch_max}), keep_ranked=3)
    asked = _spy(monkeypatch, index.store, "query")
    dense = retriever._dense(index.embedder.embed_query(question), 5, scope(filters, index.manifest.files, None))
    assert dense and _files(index, [cid for cid, _ in dense]) <= allowed
    filtered = Retriever(index, settings.retrieval.model_copy(update={"scope_fetch_max": 1}), keep_ranked=3)
    same = filtered._dense(index.embedder.embed_query(question), 5, scope(filters, index.manifest.files, None))
    assert [cid for cid, _ in dense] == [cid for cid, _ in same]  # exact search at this size: the same hits
    assert len(asked[0]) > 5 if fetch_max > 1 else len(asked[0]) == 5
