"""PDF → blocks per page with its 1-based physical page number, printed page label and headings.

pypdf opens, decrypts and classifies the file (its errors name what is wrong) and reads page labels;
the page text comes from pdfium, about 20x faster than pypdf's content-stream interpreter, which
otherwise takes a core away from the encoder during ingest (benchmarks/RESULTS.md). A page where
pdfium finds little or nothing is read by pypdf as well, and a page whose reading looks garbled by
pdfminer.six (pdf_cid_text.py says why).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.parsers.base import Block, ParsedDoc, ParseOptions, Parser, Sample
from ingest.parsers.pdf_cid_text import CidPageReader
from ingest.parsers.pdf_titles import page_sections
from rag.errors import LimitExceeded, ParseError
from rag.text.cjk import CJK_WITH_PUNCT

logger = logging.getLogger(__name__)

# pypdf logs every oddity of real-world files; the one-line reason per file is what admins need.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_WS = re.compile(r"[ \t\u00a0]+")
_GARBLED_SHARE = 0.3
_SHORT_PAGE = 200  # characters


def _is_garbage(ch: str) -> bool:
    if ch == "\ufffd":
        return True
    cat = unicodedata.category(ch)
    return cat in ("Co", "Cn") or (cat == "Cc" and ch not in "\n\t\r")


def garbled_share(text: str) -> float:
    """Share of characters that are unmapped glyphs (replacement, private-use, control characters)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(_is_garbage(c) for c in chars) / len(chars)


def mixed_scripts(text: str) -> bool:
    """Wrongly mapped glyphs scatter letters over many unrelated scripts (Greek, Oriya, N'Ko… in one
    word); real text, even mixed Chinese/English or Japanese, keeps to two or three."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    total = sum(counts.values())
    if total < 20:
        return False
    top3 = sum(sorted(counts.values(), reverse=True)[:3])
    return top3 / total < 0.8


def looks_garbled(text: str) -> bool:
    return garbled_share(text) > _GARBLED_SHARE or mixed_scripts(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# CJK text has no spaces, so a line break between two CJK characters is layout (a wrapped line, or
# one character per line in vertical text), and kept it would split words for the lexical index.
_CJK_CHAR = f"[{CJK_WITH_PUNCT}]"
_CJK_WRAP = re.compile(f"(?<={_CJK_CHAR})\n(?={_CJK_CHAR})")


def clean_page_text(text: str) -> str:
    # pdfium marks soft hyphens at line ends with control characters; NFKC unfolds ligatures.
    text = unicodedata.normalize("NFKC", _CONTROL.sub("", text))
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _CJK_WRAP.sub("", "\n".join(line for line in lines if line))


def sniff(sample: Sample) -> bool:
    # The header may follow junk; a container whose first member is a PDF is still a container.
    return b"%PDF-" in sample.head and not (sample.is_zip or sample.is_ole)


def parse_pdf(path: Path, options: ParseOptions) -> ParsedDoc:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(path, strict=False)
        password = _decrypt(reader, options.passwords) if reader.is_encrypted else None
        pages = reader.pages
        n_pages = len(pages)
    except ParseError:
        raise
    except DependencyError as e:
        raise ParseError(f"encrypted with a cipher that needs the 'cryptography' package ({e})") from e
    except FileNotDecryptedError as e:
        raise ParseError("encrypted: password required (pass it with --passwords FILE)") from e
    except (PdfReadError, PdfStreamError) as e:
        raise ParseError(f"corrupt or truncated PDF ({e})") from e
    except Exception as e:  # pypdf raises many kinds on damaged files
        raise ParseError(f"corrupt PDF ({type(e).__name__}: {e})") from e
    if n_pages == 0:
        raise ParseError("PDF has no pages")
    if options.max_pages is not None and n_pages > options.max_pages:
        raise LimitExceeded(f"{n_pages:,} pages, over the limit of {options.max_pages:,}", "max_pages")

    try:
        labels = list(reader.page_labels)
    except Exception as e:
        logger.warning("%s: page labels unreadable, physical page numbers only (%s: %s)", path, type(e).__name__, e)
        labels = []
    doc = ParsedDoc(kind="pdf", pages=n_pages)
    garbled = 0
    failed_pages = 0
    for i, (raw, raw_garbled) in enumerate(_page_texts(path, password, pages)):
        if raw is None:
            failed_pages += 1
            continue
        if raw_garbled:
            garbled += 1
            continue
        text = clean_page_text(raw)
        if not text:
            continue
        label = labels[i] if i < len(labels) else None
        doc.blocks.append(Block(text=text, page=i + 1, page_label=label if label != str(i + 1) else None))
    doc.blocks = [Block(text=text, page=b.page, page_label=b.page_label, headings=headings)
                  for b, sections in zip(doc.blocks, page_sections([b.text for b in doc.blocks]), strict=True)
                  for headings, text in sections]
    if failed_pages == n_pages:
        raise ParseError("corrupt PDF: no page could be read")
    if not doc.blocks:
        if garbled:
            raise ParseError("garbled text layer (wrong or unmapped glyphs): needs OCR, not enabled")
        raise ParseError("no extractable text: scanned? OCR not enabled")
    if garbled:
        doc.warnings.append(f"{garbled} page(s) skipped: garbled text layer")
    if failed_pages:
        doc.warnings.append(f"{failed_pages} page(s) unreadable")
    return doc


def _page_texts(path: Path, password: str | None, pages: Sequence[Any]) -> Iterator[tuple[str | None, bool]]:
    """Each page's text (None: unreadable) and whether it looks garbled: from pdfium where it can,
    else from pypdf, and from pdfminer where those look garbled."""
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path, password=password)
    except Exception as e:
        logger.warning("%s: pdfium cannot open it (%s: %s); every page is read by pypdf, about 20x slower",
                       path, type(e).__name__, e, exc_info=True)
        pdf = None
    ask_pdfminer = True
    try:
        with CidPageReader(path, password) as pdfminer:
            for i, page in enumerate(pages):
                text = None
                if pdf is not None and i < len(pdf):
                    try:
                        text = pdf[i].get_textpage().get_text_range()
                    except Exception as e:
                        logger.warning("%s page %d: pdfium cannot read it (%s: %s); trying pypdf",
                                       path, i + 1, type(e).__name__, e)
                        text = None
                if text is None or len(text.strip()) < _SHORT_PAGE:
                    # pdfium misses some fonts' text entirely: for a page that looks empty, ask pypdf
                    # too and keep the longer reading. Cheap: such pages are few.
                    try:
                        other = page.extract_text() or ""
                    except Exception as e:
                        logger.warning("%s page %d: pypdf cannot read it (%s: %s)", path, i + 1,
                                       type(e).__name__, e)
                        other = None
                    if other is not None and (text is None or len(other.strip()) > len(text.strip())):
                        text = other
                garbled = text is not None and looks_garbled(text)
                if garbled and ask_pdfminer:
                    other = pdfminer.page_text(i)
                    if other is not None and other.strip() and not looks_garbled(other):
                        text, garbled = other, False
                    else:  # its fonts are beyond pdfminer too: spare the file's other pages the try
                        ask_pdfminer = False
                yield text, garbled
    finally:
        if pdf is not None:
            pdf.close()


def _decrypt(reader: object, passwords: Sequence[str]) -> str:
    from pypdf import PasswordType

    # Many real filings are encrypted with an empty user password: try it first.
    for password in ("", *passwords):
        if reader.decrypt(password) != PasswordType.NOT_DECRYPTED:  # type: ignore[attr-defined]
            return password
    tried = f"none of the {len(passwords)} given passwords worked" if passwords else "no --passwords given"
    raise ParseError(f"encrypted: password required ({tried})")


# version 2: page titles and section headings in the blocks' headings; 3: titles with a legal form ("plc")
PARSER = Parser(
    name="pdf", label="PDF", mime_types={".pdf": "application/pdf"},
    sniff=sniff, parse=parse_pdf, version=3, page_preview=True,
)
