"""`python -m ingest DIR`: make the store match the folder.

Exit codes: 0 every file handled, 1 some files failed (all others ingested), 2 usage error, store
locked, or store built with other embedding settings, 3 unexpected error (its traceback is in the log
file, logs/rag.log in the store folder unless RAG_LOG_FILE says otherwise).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.logs import cli_errors, configure_logging


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.split("\n\n")[0])
    p.add_argument("docs", type=Path, help="folder of PDF and Word files (searched recursively)")
    p.add_argument("--store", type=Path, help="store folder (default: RAG_STORE_PATH or data/store)")
    p.add_argument("--collection", help="collection name (default: RAG_COLLECTION or documents)")
    p.add_argument("--reindex", action="store_true", help="drop the store and rebuild it from the folder")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--passwords", type=Path, metavar="FILE", help="file with PDF passwords to try, one per line")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object on stdout")
    return p


@cli_errors("python -m ingest", prefix="ingest")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    docs = args.docs.resolve()
    if not docs.is_dir():
        print(f"ingest: {args.docs}: not a folder", file=sys.stderr)
        return 2
    passwords: list[str] = []
    if args.passwords:
        try:
            passwords = [ln.rstrip("\r\n") for ln in args.passwords.read_text(encoding="utf-8").splitlines()]
        except OSError as e:
            print(f"ingest: {args.passwords}: {e.strerror}", file=sys.stderr)
            return 2
        passwords = [p for p in passwords if p]

    from rag.settings import load_settings

    overrides: dict[str, object] = {}
    if args.store:
        overrides["store_path"] = args.store.resolve()
    if args.collection:
        overrides["collection"] = args.collection
    settings = load_settings(**overrides)
    configure_logging(settings)

    from ingest.sync import run_sync

    report = run_sync(settings, docs, reindex=args.reindex, dry_run=args.dry_run, passwords=passwords,
                      progress=not args.json or sys.stderr.isatty())
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print_report(report)
    return 1 if report.failed else 0


def print_report(report: object) -> None:
    from ingest.sync import SyncReport

    assert isinstance(report, SyncReport)
    from rag.text.display import printable

    for f in report.failed:
        print(f"FAILED  {printable(f['file'])}: {printable(f['error'])}")
    for w in report.warnings:
        print(f"warning {printable(w['file'])}: {printable(w['warning'])}")
    for f in report.flagged:
        page = f" p.{f['page']}" if f["page"] is not None else ""
        print(f"flagged {printable(f['file'])}{page}: {f['reason']}: \"{printable(f['excerpt'])}\"")
    verb = "would be " if report.dry_run else ""
    for label, names in (("added", report.added), ("updated", report.updated), ("deleted", report.deleted),
                         ("access", report.access_changed)):
        for name in names:
            print(f"{verb}{label:8} {printable(name)}")
    print(report.summary())
    print(f"store: {report.files} files, {report.chunks} chunks ({report.seconds:.1f}s)")



if __name__ == "__main__":
    sys.exit(main())
