"""Bytes → blocks. `parse()` picks the parser by content and turns every failure into a ParseError."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.parsers import registry
from ingest.parsers.base import Block, ParsedDoc, ParseOptions, Parser, Sample
from rag.errors import ParseError

__all__ = ["Block", "ParseError", "ParseOptions", "ParsedDoc", "Parser", "detect", "parse"]

logger = logging.getLogger(__name__)


def detect(path: Path) -> Parser:
    """The parser for this file by its content, or ParseError saying what the file is instead."""
    with _as_parse_error(path):
        return registry.detect(Sample(path))


def parse(path: Path, options: ParseOptions | None = None, parser: Parser | None = None) -> ParsedDoc:
    """Read the file with `parser` (detected by content when not given)."""
    parser = parser or detect(path)
    with _as_parse_error(path):
        return parser.parse(path, options or ParseOptions())


@contextmanager
def _as_parse_error(path: Path) -> Iterator[None]:
    try:
        yield
    except ParseError:
        raise
    except RecursionError as e:
        raise ParseError("malformed file (self-referencing structure)") from e
    except MemoryError as e:
        raise ParseError("file too large to parse in memory") from e
    except OSError as e:
        raise ParseError(f"cannot read file ({e.strerror or e})") from e
    except Exception as e:  # a parser bug on one odd file must not stop the run
        logger.exception("unexpected parser error on %s", path)
        raise ParseError(f"unexpected parser error ({type(e).__name__}: {e})") from e
