from __future__ import annotations

from ingest.parsers import parse
from ingest.parsers.pdf_titles import is_title, page_sections
from tests.conftest import SAMPLES

STATEMENT = """Table of Contents
AMAZON.COM, INC.
CONSOLIDATED STATEMENTS OF CASH FLOWS
(in millions)
Year Ended December 31,
Net income $ 596 $ 2,371 $ 3,033
Total Current Assets
Purchases of property and equipment (7,804) (11,955)"""

BODY = """Table of Contents
revenue grew in all segments, as the table below shows for each quarter of the year.
Results of Operations
Net sales increased 31% in 2017 compared to the prior year, mostly because of higher unit sales.
Segment Totals
North America 79,785 106,110 $ 141,366 $ 177,866 $ 232,887"""


def test_titles_are_short_upper_or_title_case_latin_lines() -> None:
    assert is_title("CONSOLIDATED STATEMENTS OF CASH FLOWS")
    assert is_title("Consolidated Statements of Cash Flows")
    assert is_title("3. Leave")
    assert is_title("Amcor plc and Subsidiaries")  # a legal form in lower case
    assert not is_title("Less: Reinsurance recoverables 8 10 5")  # a table row
    assert not is_title("meeting, the Delaware Court of Chancery")  # prose cut by the line end
    assert not is_title("Net sales increased 31% in 2017 compared to the prior year.")
    assert not is_title("(in millions)")
    assert not is_title("Net income $ 596 $ 2,371 $ 3,033")
    assert not is_title("差旅报销制度")


def test_page_title_and_section_headings() -> None:
    pages = [STATEMENT, BODY, "Table of Contents\nFORM 10-K\nsome text", "Table of Contents\nmore text"]
    statement, body, *_ = page_sections(pages)
    # "Table of Contents" heads every page: a running header, not a title. Table rows head nothing.
    assert [h for h, _ in statement] == [("AMAZON.COM, INC.", "CONSOLIDATED STATEMENTS OF CASH FLOWS")]
    assert "Purchases of property" in statement[0][1]
    # Text before the first heading keeps none; a heading followed by prose starts a section; one
    # followed by figures does not.
    assert [h for h, _ in body] == [(), ("Results of Operations",)]
    assert body[1][1].startswith("Results of Operations\nNet sales increased")
    assert "Segment Totals" in body[1][1]
    # The running header is left out of the text; nothing else is lost.
    assert "\n".join(t for _, t in body) == BODY.removeprefix("Table of Contents\n")
    assert "Table of Contents" not in statement[0][1]


def test_chinese_pages_have_no_headings() -> None:
    assert page_sections(["第一章 总则\n本制度适用于公司全体员工的差旅报销，包括国内与国外出差。"]) == [
        [((), "第一章 总则\n本制度适用于公司全体员工的差旅报销，包括国内与国外出差。")]
    ]


def test_sample_pdf_sections_carry_their_heading() -> None:
    doc = parse(SAMPLES / "Employee Handbook.pdf")
    leave = [b for b in doc.blocks if b.page == 3]
    assert leave and all(b.headings == ("3. Leave",) for b in leave)
    assert "26 days" in " ".join(b.text for b in leave)
