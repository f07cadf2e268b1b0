"""`python -m rag.eval --docs DIR --questions FILE.jsonl`: how well retrieval (and answers) do on real data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag.logs import cli_errors, configure_logging


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag.eval", description=__doc__)
    p.add_argument("--docs", type=Path, required=True, help="document folder (ingested with the normal sync)")
    p.add_argument("--questions", type=Path, required=True, help="JSONL question file")
    p.add_argument("--store", type=Path, help="store folder (default: data/eval-stores/<docs>-<hash>)")
    p.add_argument("--k", type=int, default=10, help="chunks retrieved per question (default 10)")
    p.add_argument("--limit", type=int, help="at most N answerable questions, spread over the file")
    p.add_argument("--answers", action="store_true", help="also ask the LLM and score the answers")
    p.add_argument("--unanswerable", type=int, default=0, metavar="N",
                   help="with --answers: N further questions asked with their gold files excluded")
    p.add_argument("--baseline", action="store_true",
                   help="also score the plain LangChain recipe (PyPDFLoader, 500/50 chars, dense top-k)")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the figures as one JSON object")
    p.add_argument("--log", type=Path, help="write each answer with its verdict to this file")
    return p


@cli_errors("python -m rag.eval", prefix="eval")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.docs.is_dir() or not args.questions.is_file():
        print("eval: --docs must be a folder and --questions a file", file=sys.stderr)
        return 2

    from tqdm import tqdm

    import rag
    from rag.eval.metrics import load_questions
    from rag.eval.run import default_store, evaluate_answers, evaluate_retrieval, ingest, pick_questions
    from rag.settings import load_settings

    docs = args.docs.resolve()
    settings = load_settings(store_path=(args.store or default_store(docs)).resolve())
    configure_logging(settings)
    result: dict[str, Any] = {"docs": str(args.docs), "questions_file": str(args.questions)}
    result["ingest"] = ingest(settings, docs, progress=sys.stderr.isatty())
    engine = rag.build_engine(settings)

    questions = load_questions(args.questions)
    answerable, unanswerable = pick_questions(questions, args.limit, args.unanswerable if args.answers else 0)
    bar = tqdm(total=len(answerable), desc="retrieval", file=sys.stderr, disable=None)
    result["retrieval"] = evaluate_retrieval(lambda q: engine.retrieve(q, top_k=args.k), answerable, tick=bar.update)
    bar.close()
    if args.baseline:
        from rag.eval.baseline import LangChainRecipe

        recipe = LangChainRecipe(settings, docs)
        result["baseline_langchain"] = {"ingest_seconds": recipe.ingest_seconds, "chunks": recipe.chunks,
                                        **evaluate_retrieval(lambda q: recipe.search(q, args.k), answerable)}
    if args.answers:
        log = args.log.open("w", encoding="utf-8") if args.log else None
        bar = tqdm(total=len(answerable) + len(unanswerable), desc="answers", file=sys.stderr, disable=None)
        result["answer"] = evaluate_answers(
            engine, answerable, unanswerable, sorted(engine.index.manifest.files), tick=bar.update,
            log=(lambda s: print(s, file=log, flush=True)) if log else (lambda s: None),
        )
        bar.close()
    result["settings"] = {k: v for k, v in settings.flat().items()
                          if k in ("embed_model", "chunk_tokens", "chunk_overlap", "candidates", "rrf_k",
                                   "dense_weight", "lexical_weight", "llm_model", "answer_sources",
                                   "passage_tokens", "source_keep", "focus_dense_weight",
                                   "refusal_threshold", "refusal_coverage")}
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def print_table(result: dict[str, Any]) -> None:
    ing = result["ingest"]
    print(f"ingest: {ing['files']} files, {ing['chunks']} chunks, {ing['seconds']:.1f}s, {ing['failed']} failed")
    for section in ("retrieval", "baseline_langchain", "answer"):
        if section not in result:
            continue
        print(f"\n{section}")
        for key, value in result[section].items():
            print(f"  {key:<22} {value}")


if __name__ == "__main__":
    sys.exit(main())
