"""Bytes → blocks. `parse()` picks the parser by content and turns every failure into a ParseError."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ingest.parsers.base import Block, ParsedDoc
from ingest.parsers.detect import DOCUMENT_SUFFIXES, detect
from rag.errors import ParseError

__all__ = ["DOCUMENT_SUFFIXES", "Block", "ParseError", "ParsedDoc", "parse"]

logger = logging.getLogger(__name__)


def parse(path: Path, passwords: Sequence[str] = ()) -> ParsedDoc:
    from ingest.parsers.docx import parse_docx
    from ingest.parsers.pdf import parse_pdf

    try:
        kind = detect(path)
        return parse_pdf(path, passwords) if kind == "pdf" else parse_docx(path)
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
