"""`python -m rag "question"`: the answer streamed to the terminal, then its sources.

Same `Engine.ask_stream` as the page and `rag.ask()`. Without a question it reads questions line by line
(a small REPL that keeps the conversation as history).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rag.logs import cli_errors, configure_logging
from rag.settings import load_settings
from rag.text.display import printable
from rag.types import Answer


def _filters(args: argparse.Namespace) -> dict[str, Any] | None:
    filters: dict[str, Any] = {}
    if args.file:
        filters["file"] = args.file
    if args.folder:
        filters["folder"] = args.folder
    return filters or None


def _groups(value: str) -> list[str]:
    return [g.strip() for g in value.split(",") if g.strip()]


def print_sources(answer: Answer, closest: int, out: Any = sys.stdout) -> None:
    """The cited sources, or under a refusal the `closest` passages as places to look."""
    if answer.refused:
        if answer.sources[:closest]:
            print("\nYou may want to look at:", file=out)
            for chunk in answer.sources[:closest]:
                print(f"  - {printable(chunk.file)}" + (f", page {chunk.pages}" if chunk.pages else ""), file=out)
        return
    if answer.citations:
        print("\nSources:", file=out)
    for c in answer.citations:
        where = printable(c.file) + (f", page {c.page}" if c.page else "") + (f" ({printable(c.heading)})"
                                                                              if c.heading else "")
        print(f"  [{c.n}] {where}\n      \u201c{c.snippet}\u201d", file=out)


def ask_once(engine: Any, question: str, args: argparse.Namespace, history: list[dict[str, str]]) -> Answer:
    answer: Answer | None = None
    for item in engine.ask_stream(question, history=history or None, filters=_filters(args), top_k=args.top_k,
                                  groups=args.groups):
        if isinstance(item, Answer):
            answer = item
        elif not args.json:
            print(item, end="", flush=True)
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        # The streamed text is the model's; show the verified one when citations were renumbered.
        print()
        if not answer.refused and answer.citations:
            print(f"\nAnswer: {answer.text}")
        print_sources(answer, engine.settings.app.closest_sources)
        t = answer.timings
        print(f"\n({answer.model or 'no LLM call'}; retrieve {t.get('retrieve', 0):.2f} s, "
              f"first token {t.get('first_token', 0):.2f} s, total {t.get('total', 0):.2f} s)", file=sys.stderr)
    return answer


@cli_errors("python -m rag")
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rag", description="Ask the local knowledge base.")
    p.add_argument("question", nargs="*", help="the question (omit for an interactive session)")
    p.add_argument("--file", action="append", help="only this file (repeatable; path relative to the docs folder)")
    p.add_argument("--folder", action="append", help="only files under this folder (repeatable)")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--groups", type=_groups, default=None,
                   help="read as a member of these groups, comma-separated (access.toml); "
                        "default: only what is open to everyone")
    p.add_argument("--store", default=None, help="store path (default from settings)")
    p.add_argument("--json", action="store_true", help="print the Answer as one JSON object")
    args = p.parse_args(argv)

    from rag.engine import Engine

    overrides: dict[str, Any] = {"store_path": args.store} if args.store else {}
    settings = load_settings(**overrides)
    configure_logging(settings)
    try:
        engine = Engine(settings)
        if args.question:
            ask_once(engine, " ".join(args.question), args, [])
            return 0
        history: list[dict[str, str]] = []
        while True:
            try:
                question = input("\n? ").strip()
            except EOFError:
                return 0
            if question:
                answer = ask_once(engine, question, args, history)
                history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
