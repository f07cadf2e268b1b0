"""`python -m rag.models list | prepare NAME... | path NAME | fetch NAME`: errors are one line, exit code 2."""

from __future__ import annotations

import argparse
from pathlib import Path

from rag.errors import ModelError
from rag.logs import cli_errors, configure_logging
from rag.models.catalogue import CATALOGUE, DEFAULT_EMBEDDING
from rag.models.gguf import cached_gguf, gguf_path, prepare_gguf
from rag.models.hub import fetch_embedding
from rag.models.resolve import resolve_embedding, resolve_gguf
from rag.offline import offline_env
from rag.settings import load_settings


def _cmd_list(models_dir: Path, cache_dir: Path) -> None:
    for spec in CATALOGUE.values():
        cached = cached_gguf(spec.name, cache_dir)
        print(
            f"{spec.name:20} {'yes' if cached else 'no':4} {spec.size / 1e6:6.0f} MB  "
            f"{gguf_path(spec.name, cache_dir)}  [{spec.notes}; {len(spec.packages)} wheel(s) =={spec.version}]"
        )
    try:
        embedding = str(resolve_embedding(DEFAULT_EMBEDDING, models_dir))
    except ModelError:
        embedding = "missing"
    print(f"{DEFAULT_EMBEDDING:20} {'no' if embedding == 'missing' else 'yes':4} embedding  {embedding}")


@cli_errors("python -m rag.models")
def main(argv: list[str] | None = None) -> int:
    offline_env()  # `fetch` lifts it for itself only
    parser = argparse.ArgumentParser(
        prog="python -m rag.models", description="Find and prepare local models."
    )
    parser.add_argument("--models-dir", type=Path, help="local model folder (default: settings)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="catalogue GGUF models and whether they are cached")
    prepare = sub.add_parser("prepare", help="download and join GGUF models from PyPI")
    prepare.add_argument("names", nargs="+", metavar="NAME", help=", ".join(CATALOGUE))
    path = sub.add_parser("path", help="print the resolved path of a GGUF or embedding model")
    path.add_argument("name", metavar="NAME")
    fetch = sub.add_parser("fetch", help="download an embedding model from the hub (needs access)")
    fetch.add_argument("name", metavar="NAME")
    args = parser.parse_args(argv)

    # The settings need only pydantic, so `prepare` works before the rest of the project is installed.
    settings = load_settings()
    configure_logging(settings)
    models = settings.models
    models_dir: Path = args.models_dir or models.dir
    if args.command == "prepare":
        for name in args.names:
            prepare_gguf(name, models.cache_dir)
    elif args.command == "list":
        _cmd_list(models_dir, models.cache_dir)
    elif args.command == "path":
        gguf = args.name in CATALOGUE or args.name.endswith(".gguf")
        print(resolve_gguf(args.name, models_dir, models.cache_dir) if gguf
              else resolve_embedding(args.name, models_dir))
    elif args.command == "fetch":
        print(fetch_embedding(args.name, models_dir))
    return 0
