"""Retrieval speed at scale: `Retriever.search` over a synthetic store of N chunks (default 100,000).

The corpus goes through the project's own write path (`KnowledgeBase.replace_file`, so the manifest commits
every synthetic file and the chunks count as current) with the metadata schema the sync writes.
Texts are sampled word by word from the unigram distribution of real eval passages (English, with a
share of Chinese); vectors are random unit vectors (encoding 100k chunks would take hours on 2 cores
and does not change the cost of an HNSW query). Queries are real eval questions (English and Chinese)
and go through the real `Retriever.search` with the real query embedder.

Reported: build time (store insert, lexical index), index open / first query, then for the timed
queries p50/p95 of the whole search and of its stages (query encoding, dense HNSW query, lexical
search, materialisation), plus a smaller filtered run (folder filter).

    .venv/bin/python benchmarks/retrieval_speed.py [--eval-dir DIR] [--chunks N] [--json OUT]

Text and questions come from the eval folder (xquad_en_wiki, financebench, cmrc2018_zh_wiki); where they are
missing, pseudo-words and word-salad questions stand in.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import CallTimer, arguments, machine, percentiles, work_dir, write_json

# In the eval folder: passages whose words the synthetic texts are drawn from, and the timed questions.
EN_SOURCES = ("xquad_en_wiki/questions_pdf.jsonl", "financebench/questions.jsonl")
ZH_SOURCES = ("cmrc2018_zh_wiki/questions_docx.jsonl",)
EN_QUESTIONS = "xquad_en_wiki/questions_pdf.jsonl"
ZH_QUESTIONS = "cmrc2018_zh_wiki/questions_docx.jsonl"
FOLDERS = 10


# --- synthetic text ------------------------------------------------------------------------------

def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class TextSampler:
    """Sentences drawn word by word from the unigram distribution of real passages."""

    def __init__(self, rng: np.random.Generator, eval_dir: Path) -> None:
        self.rng = rng
        en_text = " ".join(
            {str(r.get("evidence_text") or "") for p in EN_SOURCES for r in _jsonl(eval_dir / p)}
        )
        en_words = re.findall(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)*", en_text)
        if len(en_words) < 1000:  # eval data missing: pseudo-words with a Zipf distribution
            letters = "etaoinshrdlcumwfgypbvkjxqz"
            en_words = [
                "".join(rng.choice(list(letters), size=int(rng.integers(2, 10)))) for _ in range(5000)
            ]
            en_words = [w for i, w in enumerate(en_words) for _ in range(max(1, 500 // (i + 1)))]
        self.en_vocab, self.en_p = self._unigram(en_words)

        zh_text = "".join({str(r.get("evidence_text") or "") for p in ZH_SOURCES for r in _jsonl(eval_dir / p)})
        if len(zh_text) > 1000:
            import jieba

            jieba.setLogLevel(60)
            zh_words = [w for w in jieba.lcut(zh_text) if re.fullmatch(r"[\u4e00-\u9fff]+|\d+", w)]
        else:
            zh_words = [chr(0x4E00 + int(i)) for i in rng.zipf(1.3, size=20000) % 3000]
        self.zh_vocab, self.zh_p = self._unigram(zh_words)

    @staticmethod
    def _unigram(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(words)
        vocab = np.array(list(counts), dtype=object)
        cdf = np.cumsum(np.array(list(counts.values()), dtype=np.float64))
        return vocab, cdf / cdf[-1]

    def _words(self, vocab: np.ndarray, cdf: np.ndarray, n: int) -> list[str]:
        idx = np.minimum(np.searchsorted(cdf, self.rng.random(n)), len(vocab) - 1)
        return list(vocab[idx])

    def _sentences(self, n: int, lo: int, hi: int) -> list[int]:
        lengths = []
        while n > 0:
            lengths.append(min(n, int(self.rng.integers(lo, hi))))
            n -= lengths[-1]
        return lengths

    def english(self, words: int) -> str:
        w, out, i = self._words(self.en_vocab, self.en_p, words), [], 0
        for n in self._sentences(words, 8, 26):
            out.append(" ".join(w[i : i + n]).capitalize() + ".")
            i += n
        return " ".join(out)

    def chinese(self, words: int) -> str:
        w, out, i = self._words(self.zh_vocab, self.zh_p, words), [], 0
        for n in self._sentences(words, 6, 20):
            out.append("".join(w[i : i + n]) + "。")
            i += n
        return "".join(out)


def load_queries(n: int, zh_share: float, sampler: TextSampler, seed: int, eval_dir: Path) -> list[str]:
    rnd = random.Random(seed)
    en = [str(r["question"]) for r in _jsonl(eval_dir / EN_QUESTIONS)]
    zh = [str(r["question"]) for r in _jsonl(eval_dir / ZH_QUESTIONS)]
    n_zh = round(n * zh_share) if zh else 0
    while len(en) < n - n_zh:  # eval data missing: word salad questions
        en.append(sampler.english(int(rnd.randint(5, 12))).rstrip(".") + "?")
    return rnd.sample(en, n - n_zh) + rnd.sample(zh, min(n_zh, len(zh)))


# --- build -----------------------------------------------------------------------------------------

def build_store(
    index: Any, embedder: Any, settings: Any, n_chunks: int, per_file: int, zh_share: float, seed: int,
    eval_dir: Path,
) -> dict[str, Any]:
    from ingest.sync import chunk_settings
    from rag.store.catalog import FileRecord
    from rag.store.knowledge_base import store_fingerprint

    rng = np.random.default_rng(seed)
    sampler = TextSampler(rng, eval_dir)
    index.store.set_fingerprint(store_fingerprint(embedder, chunk_settings(settings, embedder)))
    dim = int(embedder.dim)
    n_files = -(-n_chunks // per_file)
    gen_s = insert_s = 0.0
    written = 0
    cpu0 = time.process_time()
    for f in range(n_files):
        t0 = time.perf_counter()
        n = min(per_file, n_chunks - written)
        zh = rng.random() < zh_share  # a whole file is Chinese or English, as real documents are
        folder = f"synthetic/group{f % FOLDERS:02d}"
        name = f"{'zh' if zh else 'en'}-doc{f:05d}.pdf"
        rel = f"{folder}/{name}"
        version = hashlib.sha256(rel.encode()).hexdigest()
        title = Path(name).stem
        docs, metas, ids = [], [], []
        for i in range(n):
            page = 1 + i // 4
            heading = f"Section {1 + i // 20}"
            words = int(rng.integers(60, 110) if zh else rng.integers(70, 120))
            text = sampler.chinese(words) if zh else sampler.english(words)
            context = f"{title} > {heading}"
            embed_text = f"{context}\n{text}"
            docs.append(text)
            ids.append(hashlib.sha256(f"{rel}\0{version}\0{i}\0{embed_text}".encode()).hexdigest()[:32])
            metas.append({
                "file": rel, "file_name": name, "folder": folder, "kind": "pdf", "doc_version": version,
                "chunk_index": i, "heading": heading, "context": context,
                "text_hash": hashlib.sha1(embed_text.encode()).hexdigest()[:20],
                "page": page, "page_end": page,
            })
        vecs = rng.standard_normal((n, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        record = FileRecord(
            sha256=version, size=sum(len(d) for d in docs), mtime_ns=time.time_ns(), chunks=n,
            pages=1 + (n - 1) // 4, kind="pdf",
        )
        t1 = time.perf_counter()
        index.replace_file(rel, record, ids, vecs, docs, metas)
        t2 = time.perf_counter()
        gen_s += t1 - t0
        insert_s += t2 - t1
        written += n
        if (f + 1) % max(1, n_files // 10) == 0:
            print(f"    {written} chunks, insert {insert_s:.0f} s", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    index.rebuild_lexical()
    lexical_s, lexical_cpu = time.perf_counter() - t0, time.process_time() - c0
    index.manifest.synced_at = time.time()
    index.manifest.save()
    return {
        "files": n_files,
        "chunks": written,
        "generate_s": round(gen_s, 1),
        "insert_s": round(insert_s, 1),
        "insert_chunks_per_s": round(written / insert_s),
        "lexical_build_s": round(lexical_s, 1),
        "own_cpu_s_total": round(time.process_time() - cpu0, 1),
        "own_cpu_s_lexical": round(lexical_cpu, 1),
    }


# --- queries ---------------------------------------------------------------------------------------

def instrument(index: Any, retriever: Any) -> dict[str, CallTimer]:
    """Timing wrappers on the live objects (after the first search: refresh() may replace them)."""
    s = {k: CallTimer() for k in ("search", "encode", "dense", "lexical", "materialise", "filter_ids")}
    emb = index.embedder
    emb.embed_query = s["encode"].wrap(emb.embed_query)
    index.store.query = s["dense"].wrap(index.store.query)
    index.store.ids = s["filter_ids"].wrap(index.store.ids)
    lexical = index.lexical
    lexical.search = s["lexical"].wrap(lexical.search)
    retriever._materialise = s["materialise"].wrap(retriever._materialise)
    retriever.search = s["search"].wrap(retriever.search)
    return s


def run_queries(
    retriever: Any, queries: list[str], filters: dict[str, Any] | None, s: dict[str, CallTimer],
    groups: list[str] | None = None,
) -> tuple[int, list[dict[str, float]]]:
    """Per query, the time of each stage (0 for a stage it skipped, e.g. dense for a Chinese question)."""
    from rag.access import caller_groups

    who = caller_groups(groups)
    hits = 0
    per_query = []
    for q in queries:
        before = {k: len(v.ms) for k, v in s.items()}
        hits += len(retriever.search(q, filters=filters, who=who))
        row = {k: sum(v.ms[before[k] :]) for k, v in s.items()}
        row["cjk"] = float(bool(CJK.search(q)))
        per_query.append(row)
    return hits, per_query


CJK = re.compile(r"[\u4e00-\u9fff]")
STAGES = ("encode", "dense", "lexical", "filter_ids", "materialise")


def summarise(rows: list[dict[str, float]]) -> dict[str, Any]:
    out: dict[str, Any] = {"search": percentiles([r["search"] for r in rows])}
    for k in STAGES:
        if any(r[k] for r in rows):
            out[k] = percentiles([r[k] for r in rows])
    # the dense side as a whole: query encoding + HNSW query
    out["dense_total"] = percentiles([r["encode"] + r["dense"] for r in rows])
    out["other"] = percentiles([r["search"] - sum(r[k] for k in STAGES) for r in rows])
    for label, want in (("search_en", 0.0), ("search_zh", 1.0)):
        sub = [r["search"] for r in rows if r["cjk"] == want]
        if sub:
            out[label] = percentiles(sub)
    return out


def print_report(r: dict[str, Any]) -> None:
    b = r["build"]
    print(
        f"\nbuild: {b['chunks']} chunks in {b['files']} files; insert {b['insert_s']} s "
        f"({b['insert_chunks_per_s']} chunks/s), lexical index {b['lexical_build_s']} s, "
        f"text generation {b['generate_s']} s"
    )
    o = r["open"]
    print(f"open: KnowledgeBase() {o['index_ms']} ms, first search (loads BM25, jieba) {o['first_search_ms']} ms")
    for title, key in (("unfiltered", "unfiltered"), ("folder filter (1/10 of the files)", "filtered"),
                       ("access: a reader of 1/10 of the files", "access_tenth"),
                       ("access: a reader of every file (rules on)", "access_all")):
        res = r.get(key)
        if not res:
            continue
        print(f"\n{title}: {res['queries']} queries, latency in ms")
        print(f"{'stage':<22}{'p50':>9}{'p95':>9}{'mean':>9}{'max':>9}")
        stages = ("search", "search_en", "search_zh", "encode", "dense", "dense_total", "lexical",
                  "filter_ids", "materialise", "other")
        for stage in stages:
            st = res["stages"].get(stage)
            if st:
                label = {"search": "Retriever.search", "search_en": "  (English queries)",
                         "search_zh": "  (Chinese queries)", "encode": "  query encoding",
                         "dense": "  HNSW query",
                         "dense_total": "  dense (enc+HNSW)", "lexical": "  lexical (BM25)",
                         "filter_ids": "  filter id list", "materialise": "  materialise",
                         "other": "  other"}[stage]
                print(f"{label:<22}{st['p50']:>9}{st['p95']:>9}{st['mean']:>9}{st['max']:>9}")
    p50 = r["unfiltered"]["stages"]["search"]["p50"]
    print(f"\ntarget p50 ≤ 50 ms at 100k: p50 {p50} ms at {b['chunks']} → {'met' if p50 <= 50 else 'MISSED'}")


def query_without_count(store: Any) -> Callable[..., list[tuple[str, float]]]:
    """ChromaStore.query as proposed in RESULTS.md: no collection.count() before each query."""

    def query(embedding: np.ndarray, k: int, where: Any = None) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        from rag.store.chroma import chroma_where

        res = store.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=k, where=chroma_where(where),
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    return query


def open_rules(index: Any) -> None:
    """Every file open to everyone, as without access rules."""
    if any(rec.groups is not None for rec in index.manifest.files.values()):
        for rec in index.manifest.files.values():
            rec.groups = None
        index.manifest.save()


def main() -> int:
    ap = arguments(__doc__)
    ap.add_argument("--chunks", type=int, default=100_000, help="synthetic chunks in the store")
    ap.add_argument("--per-file", type=int, default=200, help="chunks per synthetic file")
    ap.add_argument("--queries", type=int, default=200, help="timed queries")
    ap.add_argument("--filtered-queries", type=int, default=50, help="timed filtered queries (0: skip)")
    ap.add_argument("--access-queries", type=int, default=100,
                    help="timed queries with access rules on, per reader (0: skip)")
    ap.add_argument("--zh-share", type=float, default=0.1, help="share of Chinese files and queries")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: settings)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="build the store here and keep it")
    ap.add_argument("--build-only", action="store_true", help="build (into --keep) and stop")
    ap.add_argument("--reuse", action="store_true", help="query the store already built in --keep")
    ap.add_argument("--skip-count", action="store_true",
                    help="try the suggested change: ChromaStore.query without its count() call")
    args = ap.parse_args()

    import torch

    from rag.embeddings import load_embedder
    from rag.query.retriever import Retriever
    from rag.settings import Settings
    from rag.store.knowledge_base import KnowledgeBase

    with work_dir(args.keep, "retrieval-bench-") as work:
        base = Settings()
        threads = args.threads or base.embedding.threads
        settings = base.replace(store_path=work / "store", docs_dir=work / "docs", threads=threads)
        embedder = load_embedder(settings)
        torch.set_num_threads(threads)
        r: dict[str, Any] = {
            "machine": machine(threads),
            "settings": {"chunks": args.chunks, "per_file": args.per_file, "zh_share": args.zh_share,
                         "top_k": settings.retrieval.top_k, "candidates": settings.retrieval.candidates,
                         "skip_count": args.skip_count,
                         "embed_model": settings.embedding.model, "seed": args.seed},
        }
        build_json = work / "build.json"
        if args.reuse:
            if not build_json.exists():
                ap.error(f"--reuse: no finished build in {work}")
            r["build"] = json.loads(build_json.read_text(encoding="utf-8"))
        else:
            print(f"building {args.chunks} synthetic chunks in {work} ...", flush=True)
            index = KnowledgeBase(settings, embedder=embedder)
            r["build"] = build_store(
                index, embedder, settings, args.chunks, args.per_file, args.zh_share, args.seed, args.eval_dir
            )
            build_json.write_text(json.dumps(r["build"]), encoding="utf-8")
            if args.build_only:
                print(f"built: {r['build']}")
                return 0

        open_rules(KnowledgeBase(settings, embedder=embedder))  # a kept store may hold an earlier run's rules
        # A reader opens the store as the app does on start, then searches.
        t0 = time.perf_counter()
        index = KnowledgeBase(settings, embedder=embedder)
        if args.skip_count:
            index.store.query = query_without_count(index.store)  # type: ignore[method-assign]
        t1 = time.perf_counter()
        retriever = Retriever(index, settings.retrieval, keep_ranked=settings.answer.sources)
        warm = retriever.search("What is the capital of France?")
        t2 = time.perf_counter()
        r["open"] = {"index_ms": round((t1 - t0) * 1000, 1), "first_search_ms": round((t2 - t1) * 1000, 1),
                     "first_hits": len(warm)}

        sampler = TextSampler(np.random.default_rng(args.seed), args.eval_dir)
        queries = load_queries(args.queries + 5, args.zh_share, sampler, args.seed, args.eval_dir)
        for q in queries[-5:]:  # warm-up, not timed
            retriever.search(q)
        samples = instrument(index, retriever)
        timed = queries[: args.queries]
        hits, rows = run_queries(retriever, timed, None, samples)
        r["unfiltered"] = {"queries": len(timed), "hits": hits, "stages": summarise(rows)}

        if args.filtered_queries:
            fq = timed[: args.filtered_queries]
            hits, rows = run_queries(retriever, fq, {"folder": "synthetic/group03"}, samples)
            r["filtered"] = {"queries": len(fq), "filter": {"folder": "synthetic/group03"}, "hits": hits,
                             "stages": summarise(rows)}

        if args.access_queries:
            # Rules on: each folder readable by its own group only, as the sync writes them into the catalog.
            for rel, rec in index.manifest.files.items():
                rec.groups = [rel.split("/")[1]]
            index.manifest.save()
            retriever.search(queries[-1])  # the reload after a sync, not timed
            aq = timed[: args.access_queries]
            everything = [f"group{i:02d}" for i in range(FOLDERS)]
            for key, groups in (("access_tenth", ["group03"]), ("access_all", everything)):
                hits, rows = run_queries(retriever, aq, None, samples, groups)
                r[key] = {"queries": len(aq), "groups": groups, "hits": hits, "stages": summarise(rows)}

        print_report(r)
        write_json(args.json, r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
