from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path

import docx
import pytest

from ingest.isolation import IsolatedParser, Outcome
from ingest.parsers import Parser, parse, registry
from ingest.sync import run_sync
from rag.embeddings import SentenceTransformerEmbedder
from rag.errors import StoreMismatch
from rag.settings import Settings
from rag.store.catalog import Manifest
from rag.store.filters import Eq
from rag.store.knowledge_base import KnowledgeBase
from tests.ingest.hostile import revised


def assert_consistent(index: KnowledgeBase) -> None:
    """The store holds exactly the committed version of every file: no duplicate, no orphan."""
    got = index.store.get()
    versions = index.manifest.versions
    assert len(got.ids) == index.manifest.chunk_total
    keys = [(m["file"], m["chunk_index"]) for m in got.metadatas]
    assert len(keys) == len(set(keys))
    assert all(versions.get(str(m["file"])) == m["doc_version"] for m in got.metadatas)
    assert not index.manifest.pending
    assert len(index.lexical) == len(got.ids)


def sync(settings: Settings, index: KnowledgeBase, docs: Path, **kw: object):  # type: ignore[no-untyped-def]
    return run_sync(settings, docs, progress=False, index=index, **kw)  # type: ignore[arg-type]


def test_add_unchanged_update_delete(settings: Settings, index: KnowledgeBase, docs: Path) -> None:
    r = sync(settings, index, docs)
    assert sorted(r.added) == [
        "Employee Handbook.pdf", "Product Datasheet NR-200.pdf",
        "policies/IT Security Policy.docx", "policies/差旅报销制度.docx",
    ]
    assert not r.failed and r.files == 4 and r.chunks > 20
    assert_consistent(index)
    first_total = r.chunks

    # Unchanged: nothing parsed, nothing embedded.
    r = sync(settings, index, docs)
    assert r.unchanged == 4 and not r.changed and r.chunks == first_total

    # Touched but identical: the hash confirms it is unchanged.
    handbook = docs / "Employee Handbook.pdf"
    os.utime(handbook, ns=(handbook.stat().st_atime_ns, handbook.stat().st_mtime_ns + 10**9))
    r = sync(settings, index, docs)
    assert r.unchanged == 4 and not r.updated

    # Changed: the file's chunks are replaced, unchanged text reuses its stored vectors.
    policy = docs / "policies/IT Security Policy.docx"
    d = docx.Document(str(policy))
    d.add_paragraph("Quantum-safe encryption is mandatory for archives from 2031 onwards.")
    d.save(str(policy))
    calls: list[int] = []
    original = index.embedder.embed_documents

    def counting(texts: list[str]):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts)

    index.embedder.embed_documents = counting  # type: ignore[method-assign]
    try:
        r = sync(settings, index, docs)
    finally:
        del index.embedder.embed_documents
    assert r.updated == ["policies/IT Security Policy.docx"] and r.unchanged == 3
    assert sum(calls) <= 2  # only the changed chunk(s), not the whole file
    assert_consistent(index)
    hits = index.lexical.search("quantum-safe archives 2031", 5)
    assert hits and index.store.get(ids=[hits[0][0]]).metadatas[0]["file"] == "policies/IT Security Policy.docx"

    # Deleted: its chunks leave both indexes.
    (docs / "Product Datasheet NR-200.pdf").unlink()
    r = sync(settings, index, docs)
    assert r.deleted == ["Product Datasheet NR-200.pdf"] and r.files == 3
    assert not index.store.get(where=Eq("file", "Product Datasheet NR-200.pdf")).ids
    assert not any(
        index.store.get(ids=[cid]).metadatas[0]["file"].startswith("Product")
        for cid, _ in index.lexical.search("NR-200 payload battery", 20)
    )
    assert_consistent(index)


def test_bad_files_are_reported_and_the_rest_ingested(settings: Settings, index: KnowledgeBase, docs: Path) -> None:
    (docs / "empty.pdf").write_bytes(b"")
    (docs / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (docs / "notes.txt").write_text("not a document: ignored, not reported")
    r = sync(settings, index, docs)
    assert {f["file"]: f["error"] for f in r.failed} == {
        "empty.pdf": "empty file (0 bytes)",
        "old.doc": "legacy Word .doc (OLE2) format is not supported: save it as .docx",
    }
    assert len(r.added) == 4
    # Reported again on the next run, without being parsed again.
    r = sync(settings, index, docs)
    assert len(r.failed) == 2 and r.unchanged == 4

    # A stored file replaced by a broken copy keeps its previous version: nothing stored is lost.
    before = index.manifest.files["Employee Handbook.pdf"].chunks
    (docs / "Employee Handbook.pdf").write_bytes(b"%PDF-1.7\n garbage")
    r = sync(settings, index, docs)
    failed = {f["file"]: f["error"] for f in r.failed}
    assert "previous version kept" in failed["Employee Handbook.pdf"]
    assert index.manifest.files["Employee Handbook.pdf"].chunks == before
    assert_consistent(index)


def test_dry_run_changes_nothing(settings: Settings, index: KnowledgeBase, docs: Path) -> None:
    r = sync(settings, index, docs, dry_run=True)
    assert len(r.added) == 4 and r.dry_run
    assert index.store.count() == 0 and not index.manifest.files


def test_fingerprint_mismatch_refuses_then_reindex_works(
    make_settings, embedder: SentenceTransformerEmbedder, docs: Path  # type: ignore[no-untyped-def]
) -> None:
    s1 = make_settings()
    sync(s1, KnowledgeBase(s1, embedder=embedder), docs)
    s2 = make_settings(chunk_tokens=100)
    with pytest.raises(StoreMismatch, match="--reindex"):
        sync(s2, KnowledgeBase(s2, embedder=embedder), docs)
    index = KnowledgeBase(s2, embedder=embedder)
    r = sync(s2, index, docs, reindex=True)
    assert len(r.added) == 4
    assert index.store.fingerprint()["chunk_tokens"] == 100
    assert_consistent(index)


def test_recovery_of_a_half_written_file(settings: Settings, index: KnowledgeBase, docs: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """Simulate a crash between writing a new version and committing it: the next run cleans up."""
    sync(settings, index, docs)
    rel = "Employee Handbook.pdf"
    got = index.store.get(where=Eq("file", rel), embeddings=True)
    orphan = [f"orphan-{i}" for i in range(len(got.ids))]
    metas = [{**m, "doc_version": "f" * 64} for m in got.metadatas]
    index.manifest.pending[rel] = "f" * 64
    index.manifest.save()
    index.store.upsert(orphan, got.embeddings, got.documents, metas)  # type: ignore[arg-type]
    fresh = KnowledgeBase(settings, embedder=index.embedder)
    r = sync(settings, fresh, docs)
    assert r.unchanged == 4
    assert_consistent(fresh)
    assert any("interrupted run left 1 file(s) half written" in m and rel in m for m in caplog.messages)


def test_folders_are_recursive_and_names_relative(settings: Settings, index: KnowledgeBase, docs: Path) -> None:
    nested = docs / "a" / "b"
    nested.mkdir(parents=True)
    shutil.copy(docs / "Employee Handbook.pdf", nested / "copy.pdf")
    r = sync(settings, index, docs)
    assert "a/b/copy.pdf" in r.added
    meta = index.store.get(where=Eq("file", "a/b/copy.pdf")).metadatas[0]
    assert meta["folder"] == "a/b" and meta["file_name"] == "copy.pdf"


def bump_parser(monkeypatch: pytest.MonkeyPatch, kind: str, rewrite: bool = False) -> None:
    """A new version of one kind's parser; with `rewrite` it also reads every block a little differently."""
    def bumped(p: Parser) -> Parser:
        if p.name != kind:
            return p
        return replace(p, version=p.version + 1, parse=partial(revised, p.parse) if rewrite else p.parse)

    monkeypatch.setattr(registry, "PARSERS", tuple(bumped(p) for p in registry.PARSERS))


def spy_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the sync sends to the parser process."""
    parsed: list[str] = []
    original = IsolatedParser.parse

    def spy(self: IsolatedParser, path: Path) -> Outcome:
        parsed.append(path.name)
        return original(self, path)

    monkeypatch.setattr(IsolatedParser, "parse", spy)
    return parsed


PDFS = ["Employee Handbook.pdf", "Product Datasheet NR-200.pdf"]


def test_a_new_parser_version_reparses_that_kind_only(settings: Settings, index: KnowledgeBase, docs: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    sync(settings, index, docs)
    assert {r.kind: r.parser_version for r in index.manifest.files.values()} == {"pdf": 3, "docx": 1}
    bump_parser(monkeypatch, "pdf", rewrite=True)
    parsed = spy_parses(monkeypatch)

    assert sync(settings, index, docs, dry_run=True).updated == PDFS
    r = sync(settings, index, docs)
    assert sorted(parsed) == PDFS and r.updated == PDFS and r.unchanged == 2 and not r.added
    assert {rel: rec.parser_version for rel, rec in index.manifest.files.items() if rec.kind == "pdf"} == {
        rel: 4 for rel in PDFS}
    assert_consistent(index)  # the old readings' chunks are gone, though the files' hashes did not change
    text = "\n".join(index.store.get(where=Eq("file", PDFS[0])).documents)
    assert text.count("Revised reading.") >= len(parse(docs / PDFS[0]).blocks)

    parsed.clear()
    r = sync(settings, index, docs)
    assert not parsed and r.unchanged == 4 and not r.changed


def test_manifest_without_parser_versions_counts_as_built_by_todays_parsers(
        settings: Settings, index: KnowledgeBase, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sync(settings, index, docs)
    assert isinstance(index.manifest, Manifest)
    path = index.manifest.path
    raw = json.loads(path.read_text(encoding="utf-8"))
    for rec in raw["files"].values():
        del rec["parser_version"]
    path.write_text(json.dumps(raw), encoding="utf-8")
    older = KnowledgeBase(settings, embedder=index.embedder)
    assert all(rec.parser_version is None for rec in older.manifest.files.values())
    parsed = spy_parses(monkeypatch)
    r = sync(settings, older, docs)
    assert not parsed and r.unchanged == 4
    assert {r.kind: r.parser_version for r in older.manifest.files.values()} == {"pdf": 3, "docx": 1}
    saved = json.loads(path.read_text(encoding="utf-8"))["files"]
    assert {rec["parser_version"] for rec in saved.values()} == {3, 1}


def test_failed_files_are_tried_again_by_a_new_parser_of_their_kind(
        settings: Settings, index: KnowledgeBase, docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (docs / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (docs / "empty.pdf").write_bytes(b"")
    sync(settings, index, docs)
    assert (index.manifest.failed["broken.pdf"].kind, index.manifest.failed["broken.pdf"].parser_version) == ("pdf", 3)
    parsed = spy_parses(monkeypatch)
    bump_parser(monkeypatch, "pdf")
    r = sync(settings, index, docs)
    # The PDFs are read again, the broken one too; the Word files, the .doc and the empty file are not.
    assert sorted(parsed) == sorted(["broken.pdf", *PDFS])
    assert {f["file"] for f in r.failed} == {"broken.pdf", "old.doc", "empty.pdf"}
    assert index.manifest.failed["broken.pdf"].parser_version == 4
    parsed.clear()
    sync(settings, index, docs)
    assert not parsed
