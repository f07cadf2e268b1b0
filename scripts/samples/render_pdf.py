"""Render a sample as an A4 PDF (fpdf2): company header, "Page n of N" footer, each page of the sample
on exactly one PDF page, so questions can name their page.

Front matter: ``label`` (header and footer text), ``title``, ``subject``, optional ``heading_sizes``
(points per heading level) and ``table_first_column_mm`` (one width per table, in order).
"""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from samples.document import COMPANY, CREATOR, FIXED_DATE, Heading, ListBlock, Paragraph, Sample, SmallPrint, Table

BODY_SIZE = 10.5
LINE_H = 5.2
PARAGRAPH_GAP = 2.5
LEAD_IN_GAP = 1  # a paragraph that introduces a list stays close to it
LIST_INDENT = 4
DEFAULT_HEADING_SIZES = (20, 16)


class CorporatePDF(FPDF):
    """A4 PDF with a company header and a "Page n of N" footer."""

    def __init__(self, doc_label: str) -> None:
        """Create the PDF; ``doc_label`` is shown in header and footer."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_label = doc_label
        # Helvetica is a core font; cp1252 gives us €, ±, ° and curly quotes.
        self.core_fonts_encoding = "windows-1252"
        self.set_creation_date(FIXED_DATE)
        self.set_margins(left=20, top=22, right=20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_author(COMPANY)
        self.set_creator(CREATOR)
        self.set_lang("en")

    def header(self) -> None:
        """Draw the running header."""
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        self.set_y(10)
        self.cell(0, 5, COMPANY, align="L")
        self.set_x(self.l_margin)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, self.doc_label, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(180, 180, 180)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """Draw the page-number footer."""
        self.set_y(-15)
        self.set_font("Helvetica", "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float) -> None:
        """Write a bold section heading."""
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def para(self, text: str, gap: float) -> None:
        """Write a body paragraph; ``**...**`` spans are bold."""
        self.set_font("Helvetica", "", BODY_SIZE)
        self.multi_cell(0, LINE_H, text, markdown=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def bullets(self, items: Sequence[str]) -> None:
        """Write an indented list, one "- item" per line."""
        for item in items:
            self.set_x(self.l_margin + LIST_INDENT)
            self.set_font("Helvetica", "", BODY_SIZE)
            self.multi_cell(0, LINE_H, f"- {item}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def small_print(self, text: str) -> None:
        """Write a footnote-sized italic paragraph."""
        self.set_font("Helvetica", "I", 8.5)
        self.multi_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def simple_table(self, rows: Sequence[Sequence[str]], col1: float) -> None:
        """Render a two-column table whose first row is the header."""
        self.set_font("Helvetica", "", BODY_SIZE - 0.5)
        width = self.w - self.l_margin - self.r_margin
        with self.table(
            col_widths=(col1, width - col1),
            text_align="LEFT",
            line_height=LINE_H + 0.6,
            first_row_as_headings=True,
        ) as table:
            for left, right in rows:
                row = table.row()
                row.cell(left)
                row.cell(right)
        self.ln(3)


def render(sample: Sample) -> bytes:
    """Return the PDF bytes of ``sample``."""
    meta = sample.meta
    pdf = CorporatePDF(meta["label"])
    pdf.set_title(meta["title"])
    pdf.set_subject(meta["subject"])
    heading_sizes = meta.get("heading_sizes", DEFAULT_HEADING_SIZES)
    first_columns = iter(meta.get("table_first_column_mm", ()))
    for number, blocks in enumerate(sample.pages, start=1):
        pdf.add_page()
        for block, after in zip(blocks, [*blocks[1:], None], strict=True):
            match block:
                case Heading():
                    pdf.heading(block.text, size=heading_sizes[block.level - 1])
                case Paragraph():
                    pdf.para(block.text, gap=LEAD_IN_GAP if isinstance(after, ListBlock) else PARAGRAPH_GAP)
                case ListBlock(numbered=False):
                    pdf.bullets(block.items)
                case Table():
                    pdf.simple_table(block.rows, col1=next(first_columns))
                case SmallPrint():
                    pdf.small_print(block.text)
                case _:
                    raise ValueError(f"{sample.file}: the PDF renderer has no {block!r}")
        if pdf.page_no() != number:
            raise RuntimeError(f"{sample.file}: page {number} overflowed onto the next page")
    return bytes(pdf.output())
