"""One sync makes the store match the folder: scan → parse → chunk → embed → store, file by file.

Parsing runs ahead of the encoder, in a child process under limits (ingest/isolation.py) driven by a
thread here, and chunks of several files are embedded together so small files still fill the
encoder's batches. A file over a limit (settings.limits) fails alone, with a one-line reason.
"""

from __future__ import annotations

import hashlib
import logging
import math
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkDraft, ChunkSettings, chunk_blocks
from ingest.isolation import IsolatedParser
from ingest.parsers import ParseOptions
from ingest.parsers.registry import named
from ingest.progress import Progress
from ingest.scan import FileInfo, file_sha256, scan
from rag.access import EVERYONE, AccessRules, rules_path
from rag.embeddings import Embedder
from rag.errors import LimitExceeded, StoreMismatch
from rag.settings import Settings
from rag.store.backends import open_lock
from rag.store.catalog import FailedRecord, FileRecord
from rag.store.filters import Eq
from rag.store.knowledge_base import (
    INSTRUCTION_FLAG,
    INSTRUCTION_REASON,
    KnowledgeBase,
    mismatch_message,
    store_fingerprint,
)
from rag.store.protocol import Catalog, Metadata
from rag.text.instructions import InstructionFlag, find_instruction

logger = logging.getLogger(__name__)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)  # file, page (None: no pages), reason, excerpt
    access_changed: list[str] = field(default_factory=list)  # files whose readers the rules changed
    files: int = 0
    chunks: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def summary(self) -> str:
        access = f", {len(self.access_changed)} changed access" if self.access_changed else ""
        return (f"{'dry run: ' if self.dry_run else ''}{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.deleted)} deleted, {self.unchanged} unchanged, {len(self.failed)} failed{access}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["added_files"], data["updated_files"], data["deleted_files"] = self.added, self.updated, self.deleted
        data["added"], data["updated"], data["deleted"] = len(self.added), len(self.updated), len(self.deleted)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SyncReport:
        """The report `to_json` printed (`python -m ingest --json`)."""
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values.update(added=data["added_files"], updated=data["updated_files"], deleted=data["deleted_files"])
        return cls(**values)


@dataclass
class _Job:
    info: FileInfo
    sha256: str
    is_new: bool
    reparse: bool = False  # same content, read again by another version of its parser
    kind: str = ""
    parser_version: int | None = None
    pages: int = 0
    chunks: list[ChunkDraft] = field(default_factory=list)
    flags: list[InstructionFlag | None] = field(default_factory=list)  # one per chunk
    error: str | None = None
    limit: str | None = None  # the setting whose limit refused the file
    warnings: list[str] = field(default_factory=list)


def chunk_id(rel: str, version: str, chunk: ChunkDraft) -> str:
    key = f"{rel}\0{version}\0{chunk.index}\0{chunk.embed_text}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def chunk_settings(settings: Settings, embedder: Embedder) -> ChunkSettings:
    return ChunkSettings(
        max_tokens=embedder.max_tokens,
        chunk_tokens=min(settings.chunking.tokens, embedder.max_tokens),
        overlap=settings.chunking.overlap,
        max_prefix_tokens=settings.chunking.max_prefix_tokens,
    )


class Syncer:
    def __init__(self, settings: Settings, index: KnowledgeBase, *, passwords: Sequence[str] = (),
                 progress: bool = True):
        self.settings = settings
        self.index = index
        self.embedder = index.embedder
        limits = settings.limits
        self.options = ParseOptions(passwords=tuple(passwords), max_pages=limits.pages,
                                    max_unzipped_mb=limits.unzipped_mb, max_zip_ratio=limits.zip_ratio)
        self._flat = settings.flat()
        self.show_progress = progress
        self.cfg = chunk_settings(settings, self.embedder)
        self.rules = AccessRules(())

    def run(self, docs_dir: Path, *, reindex: bool = False, dry_run: bool = False) -> SyncReport:
        t0 = time.monotonic()
        index = self.index
        fingerprint = store_fingerprint(self.embedder, self.cfg)
        if reindex and not dry_run:
            logger.info("reindex of %s: the store is emptied first", docs_dir)
            index.reset()
        elif index.store.count() or index.store.fingerprint():
            stored = index.store.fingerprint()
            if stored != fingerprint:
                raise StoreMismatch(mismatch_message(stored, fingerprint, docs_dir))
        manifest = index.manifest
        if not dry_run:
            index.store.set_fingerprint(fingerprint)
            recovered = index.recover()
        else:
            recovered = False

        # Read before anything changes: broken rules stop the sync rather than open or close files by mistake.
        self.rules = AccessRules.load(rules_path(docs_dir, self.settings.access.rules_file))
        report = SyncReport(dry_run=dry_run)
        found = scan(docs_dir)
        for rel, why in found.skipped:
            logger.warning("%s: %s", rel, why)
            report.warnings.append({"file": rel, "warning": why})
        jobs = self._plan(found.files, manifest, report)
        present = {f.rel for f in found.files}
        deleted = sorted(set(manifest.files) - present)
        report.deleted = deleted
        if dry_run:
            report.access_changed = self._access_changes(manifest, apply=False)
            for job in jobs:
                if job.error is not None:
                    report.failed.append({"file": job.info.rel, "error": job.error})
                else:
                    (report.added if job.is_new else report.updated).append(job.info.rel)
            report.files, report.chunks = len(manifest.files), manifest.chunk_total
            report.seconds = time.monotonic() - t0
            logger.info("sync of %s: %s", docs_dir, report.summary())
            return report

        for rel in deleted:
            index.delete_file(rel)
        for rel in set(manifest.failed) - present:
            del manifest.failed[rel]
        self._ingest(jobs, report)
        report.access_changed = self._access_changes(manifest, apply=True)
        if report.changed or recovered or not index.lexical_in_sync():
            index.rebuild_lexical()
        manifest.synced_at = time.time()
        manifest.save()
        report.files, report.chunks = len(manifest.files), manifest.chunk_total
        report.seconds = round(time.monotonic() - t0, 3)
        logger.info("sync of %s: %s; store: %d files, %d chunks (%.1f s)", docs_dir, report.summary(),
                    report.files, report.chunks, report.seconds)
        return report

    def _plan(self, files: list[FileInfo], manifest: Catalog, report: SyncReport) -> list[_Job]:
        jobs = []
        for info in files:
            rec = manifest.files.get(info.rel)
            if rec is not None and rec.parser_version is None and (parser := named(rec.kind)):
                rec.parser_version = parser.version  # stored before versions were, by today's parsers
            outdated = rec is not None and _outdated(rec.kind, rec.parser_version)
            same = rec is not None and rec.size == info.size and rec.mtime_ns == info.mtime_ns
            if same and not outdated:
                report.unchanged += 1
                continue
            bad = manifest.failed.get(info.rel)
            if (bad and bad.size == info.size and bad.mtime_ns == info.mtime_ns and not self.options.passwords
                    and not _outdated(bad.kind, bad.parser_version)
                    and (bad.limit is None or bad.limit == self._stamp(bad.limit.split("=", 1)[0]))):
                # Unchanged bad file, refused by a limit that did not change: report it again without
                # paying for another parse (a bomb, say).
                report.failed.append({"file": info.rel, "error": bad.error})
                continue
            if info.size > self.settings.limits.file_mb << 20:  # neither hashed nor parsed
                size = math.ceil(info.size / 2**20 * 10) / 10  # up: never "1.0 MB, over the limit of 1 MB"
                over = LimitExceeded(f"{size:,.1f} MB, over the limit of {self.settings.limits.file_mb:,} MB",
                                     "max_file_mb")
                jobs.append(_Job(info=info, sha256="", is_new=rec is None, error=str(over), limit=over.setting))
                continue
            # Size and time that say unchanged are trusted for an outdated file's hash too.
            sha = rec.sha256 if rec is not None and same else file_sha256(info.path)
            if rec and rec.sha256 == sha and not outdated:  # touched, not changed
                rec.size, rec.mtime_ns = info.size, info.mtime_ns
                report.unchanged += 1
                continue
            jobs.append(_Job(info=info, sha256=sha, is_new=rec is None, reparse=rec is not None and rec.sha256 == sha))
        return jobs

    def _access_changes(self, manifest: Catalog, *, apply: bool) -> list[str]:
        """The committed files whose readers the rules change; with `apply`, the catalog takes the new
        groups (no re-embedding: retrieval reads access from the catalog)."""
        changed = []
        for rel, rec in sorted(manifest.files.items()):
            groups = list(self.rules.groups_for(rel))
            if rec.groups == groups:
                continue
            was = rec.groups if rec.groups is not None else [EVERYONE]
            if was != groups:
                changed.append(rel)
                logger.info("%s: readable by %s (was %s)", rel, ", ".join(groups) or "nobody",
                            ", ".join(was) or "nobody")
            if apply:
                rec.groups = groups
        return changed

    def _stamp(self, setting: str | None) -> str | None:
        """A limit's setting with its value, kept with a file it refused: changed, the file is tried again."""
        return None if setting is None else f"{setting}={self._flat.get(setting)}"

    def _ingest(self, jobs: list[_Job], report: SyncReport) -> None:
        progress = Progress(len(jobs), enabled=self.show_progress)
        parsed: queue.Queue[_Job | None] = queue.Queue(maxsize=16)
        stop = threading.Event()
        failure: list[BaseException] = []

        def put(item: _Job | None) -> None:
            while not stop.is_set():  # a writer that stopped takes nothing more: give up, close the worker
                try:
                    parsed.put(item, timeout=0.5)
                    return
                except queue.Full:
                    continue

        def produce() -> None:
            try:
                with IsolatedParser(self.settings.limits, self.options) as parser:
                    for job in jobs:
                        if stop.is_set():
                            break
                        self._parse(job, parser)
                        put(job)
            except BaseException as e:  # raised in the sync's own thread below
                failure.append(e)
            finally:
                put(None)

        worker = threading.Thread(target=produce, name="ingest-parse", daemon=True)
        worker.start()
        batch: list[_Job] = []
        try:
            while True:
                job = parsed.get()
                if job is not None:
                    batch.append(job)
                if job is None or sum(len(j.chunks) for j in batch) >= self.settings.chunking.embed_batch_chunks:
                    self._write(batch, report, progress)
                    batch = []
                if job is None:
                    break
        finally:
            stop.set()
            progress.close()
        if failure:
            raise failure[0]

    def _parse(self, job: _Job, parser: IsolatedParser) -> None:
        if job.error is not None:  # refused before parsing
            return
        got = parser.parse(job.info.path)
        job.kind, job.parser_version = got.kind, got.parser_version
        if got.doc is None:
            job.error, job.limit = got.error or "no document", got.limit
            return
        job.pages, job.warnings = got.doc.pages, got.doc.warnings
        try:
            job.chunks = chunk_blocks(got.doc.blocks, Path(job.info.rel).stem, self.embedder, self.cfg,
                                      limit=self.settings.limits.chunks)
        except LimitExceeded as e:
            job.error, job.limit = str(e), e.setting
            return
        if not job.chunks:
            job.error = "no extractable text"
        job.flags = [find_instruction(c.embed_text) for c in job.chunks]

    def _write(self, batch: list[_Job], report: SyncReport, progress: Progress) -> None:
        manifest = self.index.manifest
        good = [j for j in batch if j.error is None]
        vectors = self._embed(good)
        for job in batch:
            rel = job.info.rel
            if job.error is not None:
                kept = " (previous version kept)" if rel in manifest.files else ""
                logger.warning("%s not ingested: %s%s", rel, job.error, kept)
                report.failed.append({"file": rel, "error": job.error + kept})
                manifest.failed[rel] = FailedRecord(job.info.size, job.info.mtime_ns, job.error,
                                                    job.kind, job.parser_version, self._stamp(job.limit))
                manifest.save()
                progress.advance(0, rel)
                continue
            record = FileRecord(
                sha256=job.sha256, size=job.info.size, mtime_ns=job.info.mtime_ns,
                chunks=len(job.chunks), pages=job.pages, kind=job.kind, parser_version=job.parser_version,
                groups=list(self.rules.groups_for(rel)),
            )
            ids = [chunk_id(rel, job.sha256, c) for c in job.chunks]
            cleared = frozenset(manifest.cleared.get(rel, ()))
            metadatas = [_metadata(rel, job, c, flag, cleared) for c, flag in zip(job.chunks, job.flags, strict=True)]
            if job.reparse:
                self._drop_rewritten_chunks(rel, ids)
            self.index.replace_file(
                rel, record, ids, vectors[id(job)], [c.text for c in job.chunks], metadatas
            )
            manifest.failed.pop(rel, None)
            (report.added if job.is_new else report.updated).append(rel)
            report.warnings += [{"file": rel, "warning": w} for w in job.warnings]
            for c, flag, meta in zip(job.chunks, job.flags, metadatas, strict=True):
                if flag is not None and meta[INSTRUCTION_FLAG]:
                    logger.warning("%s%s: instruction-like passage kept out of answers (%s): %r", rel,
                                   "" if c.page is None else f" p.{c.page}", flag.reason, flag.excerpt)
                    report.flagged.append({"file": rel, "page": c.page, "reason": flag.reason,
                                           "excerpt": flag.excerpt})
            progress.advance(len(job.chunks), rel)

    def _drop_rewritten_chunks(self, rel: str, new_ids: list[str]) -> None:
        """Same content, another parser: the new chunks carry the old ones' doc_version, so the swap in
        replace_file would keep old chunks whose text changed. They go first; a run killed right after
        leaves the file's old record, with the old parser version, and the next sync parses it again."""
        old = set(self.index.store.ids(where=Eq("file", rel))) - set(new_ids)
        if old:
            self.index.store.delete(ids=sorted(old))

    def _embed(self, jobs: list[_Job]) -> dict[int, np.ndarray]:
        """Embed all chunks of these files at once, reusing stored vectors of text that did not change."""
        reuse: dict[str, np.ndarray] = {}
        for job in jobs:
            if not job.is_new:
                reuse.update(self.index.stored_vectors(job.info.rel))
        todo: dict[str, str] = {}
        for job in jobs:
            for c in job.chunks:
                h = text_hash(c.embed_text)
                if h not in reuse:
                    todo[h] = c.embed_text
        fresh = self.embedder.embed_documents(list(todo.values()))
        reuse.update(zip(todo.keys(), fresh, strict=True))
        return {
            id(job): np.stack([reuse[text_hash(c.embed_text)] for c in job.chunks]) for job in jobs
        }


def _outdated(kind: str, version: int | None) -> bool:
    """Read by another version of its kind's parser than today's (unknown kind or version: no)."""
    parser = named(kind)
    return parser is not None and version is not None and version != parser.version


def _metadata(rel: str, job: _Job, c: ChunkDraft, flag: InstructionFlag | None, cleared: frozenset[str]) -> Metadata:
    """A flagged passage whose text an admin cleared (`cleared`: its file's text hashes) keeps its reason
    but takes part in answers."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    digest = text_hash(c.embed_text)
    meta: Metadata = {
        "file": rel,
        "file_name": rel.rsplit("/", 1)[-1],
        "folder": folder,
        "kind": job.kind,
        "doc_version": job.sha256,
        "chunk_index": c.index,
        "heading": c.heading,
        "context": c.embed_text[: len(c.embed_text) - len(c.text)].rstrip("\n"),
        "text_hash": digest,
        INSTRUCTION_FLAG: flag is not None and digest not in cleared,
    }
    if flag is not None:
        meta[INSTRUCTION_REASON] = flag.reason
    if c.page is not None:
        meta["page"] = c.page
        meta["page_end"] = c.page_end or c.page
    if c.page_label:
        meta["page_label"] = c.page_label
    return meta


def run_sync(
    settings: Settings,
    docs_dir: Path,
    *,
    reindex: bool = False,
    dry_run: bool = False,
    passwords: Sequence[str] = (),
    progress: bool = True,
    index: KnowledgeBase | None = None,
) -> SyncReport:
    """The one sync used by the CLI, the page's admin upload and the eval: takes the writer lock first,
    before the store is even opened."""
    lock = index.lock if index is not None else open_lock(settings.store)
    with lock:
        index = index or KnowledgeBase(settings, lock=lock)
        index.refresh()
        index.writing = True
        try:
            return Syncer(settings, index, passwords=passwords, progress=progress).run(
                docs_dir, reindex=reindex, dry_run=dry_run
            )
        finally:
            index.writing = False
