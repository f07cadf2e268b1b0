"""Page text from pdfminer.six, asked only about pages whose other readings look garbled.

A CJK font that is not embedded and has no ToUnicode map (common in Japanese and Chinese
publishing: Ryumin-Light, GothicBBB, STSong with Identity-H/V) gives only character ids of an Adobe
character collection (Adobe-Japan1, GB1, CNS1, Korea1). pdfium maps them, but its text page drops
every one-glyph text object whose glyph box is empty, which it is when the machine has no CJK font to
stand in, so vertical text set one character per text object disappears; pypdf reads the raw ids as
code points, letters of a dozen unrelated scripts. pdfminer.six maps the ids through Adobe's published
tables and needs no installed font.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pdfminer.pdfinterp import PDFResourceManager
    from pdfminer.pdfpage import PDFPage

# pdfminer logs every oddity of real-world files, like pypdf.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

# pdfminer's stand-in for a glyph it cannot map; as U+FFFD the garbled-text check counts it.
_UNMAPPED = re.compile(r"\(cid:\d+\)")


class CidPageReader:
    """Opens the file on the first question, then answers page by page (0-based index)."""

    def __init__(self, path: Path, password: str | None) -> None:
        self.path = path
        self.password = password or ""
        self._file: io.BufferedReader | None = None
        self._opened: tuple[PDFResourceManager, list[PDFPage]] | None = None

    def __enter__(self) -> CidPageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def page_text(self, index: int) -> str | None:
        """The page's text, or None when pdfminer cannot read it."""
        from pdfminer.converter import TextConverter
        from pdfminer.layout import LAParams
        from pdfminer.pdfinterp import PDFPageInterpreter

        try:
            resources, pages = self._open()
            out = io.StringIO()
            device = TextConverter(resources, out, laparams=LAParams())
            try:
                PDFPageInterpreter(resources, device).process_page(pages[index])
            finally:
                device.close()
        except Exception:  # a second opinion that fails leaves the first one standing
            logger.exception("pdfminer could not read page %d of %s", index + 1, self.path)
            return None
        return _UNMAPPED.sub("\ufffd", out.getvalue())

    def _open(self) -> tuple[PDFResourceManager, list[PDFPage]]:
        if self._opened is None:
            from pdfminer.pdfdocument import PDFDocument
            from pdfminer.pdfinterp import PDFResourceManager
            from pdfminer.pdfpage import PDFPage
            from pdfminer.pdfparser import PDFParser

            self._file = self._file or self.path.open("rb")
            document = PDFDocument(PDFParser(self._file), password=self.password)
            self._opened = (PDFResourceManager(caching=True), list(PDFPage.create_pages(document)))
        return self._opened
