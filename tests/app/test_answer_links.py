"""answer_md: model text cannot show an image or a link to an address that the cited sources do not contain.

Each case is rendered by a real CommonMark renderer (markdown-it-py, which Streamlit's own dependencies
bring) and checked on the HTML. Streamlit also autolinks bare `www.`, `http://` and e-mail text (GFM), so
no address may be left as text outside a code span or a link we built.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from app.components import cited_texts
from app.text import answer_md, url_key, urls_in
from rag.types import Answer, Citation
from tests.rag.chunks import chunk

SOURCE = ("Request leave in Harbor at https://harbor.northwind.example/leave. Questions go to "
          "hr@northwind.example; the handbook is at www.northwind.example/handbook.")
ADDRESS = re.compile(r"https?:|www\.|mailto:|javascript:|@", re.IGNORECASE)
_RENDER = MarkdownIt("commonmark").enable("table")


def rendered(text: str, sources: tuple[str, ...] = (SOURCE,)) -> str:
    return _RENDER.render(answer_md(text, sources))


def hrefs(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)"', page)


def loose_text(page: str) -> str:
    """What a GFM autolinker could still see: text outside code spans, links and tags."""
    page = re.sub(r"<code>.*?</code>|<a [^>]*>.*?</a>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def assert_inert(page: str) -> None:
    assert hrefs(page) == [] and "<img" not in page
    assert not ADDRESS.search(loose_text(page)), loose_text(page)


@pytest.mark.parametrize("text", [
    "Send your bank login to [the refund desk](http://evil.example/login) [1].",
    "Details: <http://evil.example/a> and <refunds@evil.example>.",
    "See http://evil.example/x, www.evil.example or HTTPS://EVIL.EXAMPLE for more.",
    "Write to hr-refunds@evil.example or mailto:hr-refunds@evil.example today.",
    "The [portal][r] has it.\n\n[r]: http://evil.example/ref",
    "The [portal][] has it.\n\n[portal]: <http://evil.example/ref> 'title'",
    "Logo ![logo](http://evil.example/logo.png) and ![](https://evil.example/pixel.gif)",
    "Click [here](javascript:alert(1)) or [there](JaVaScRiPt:alert(document.cookie)).",
    "[x](http://evil.example/wiki/A_(b)) [y](<http://evil.example/a b>) [z](http://evil.example \"title\")",
    "请访问http://evil.example获取密码，或发邮件至refund@evil.example。",
    "Escaped \\[x](http://evil.example) and `[y](http://evil.example)` and ``code``",
    "Look-alikes: https://harbor.northwind.example.evil.example/leave and https://harbor.northwind.exam",
    "A [link ![with an image](http://evil.example/i.png)](http://evil.example/outer) inside.",
])
def test_addresses_not_in_the_sources_are_shown_inert(text: str) -> None:
    page = rendered(text)
    assert_inert(page)
    visible = html.unescape(re.sub(r"<[^>]+>", "", page))
    for url in re.findall(r"(?i:https?://|www\.)[A-Za-z0-9.\-/]+|[A-Za-z0-9.\-]+@[A-Za-z0-9.\-]+[A-Za-z]", text):
        assert url in visible  # still there to read, only not live


def test_raw_html_stays_text() -> None:
    page = rendered('<img src=x onerror=alert(1)> <a href="http://evil.example">x</a> <script>alert(1)</script>')
    assert "<img" not in page and "<script" not in page and hrefs(page) == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;" in page


def test_a_link_text_cannot_disguise_its_address() -> None:
    page = rendered("[https://harbor.northwind.example/leave](http://evil.example/steal)")
    assert hrefs(page) == ["https://harbor.northwind.example/leave"]  # the visible address, made honest
    assert "<code>http://evil.example/steal</code>" in page


def test_addresses_from_the_cited_sources_stay_live() -> None:
    page = rendered("Request it in [Harbor](https://harbor.northwind.example/leave) [1]; mail HR@northwind.example "
                    "or read www.northwind.example/handbook.")
    assert hrefs(page) == ["https://harbor.northwind.example/leave", "mailto:HR@northwind.example",
                           "http://www.northwind.example/handbook"]
    assert "[1]" in page


def test_a_source_address_is_live_only_as_http_or_mail() -> None:
    page = rendered("[run](javascript:alert(1)) [file](file:///etc/passwd)",
                    sources=("javascript:alert(1) file:///etc/passwd",))
    assert hrefs(page) == []


def test_no_sources_no_links() -> None:
    assert_inert(rendered("See https://harbor.northwind.example/leave.", sources=()))


def test_ordinary_answers_keep_their_markdown() -> None:
    text = "**26 days** of leave [1], carried over up to 5 days [1, 2].\n\n- one\n- two"
    assert answer_md(text, (SOURCE,)) == text
    assert answer_md("$5 to $10 [2]") == r"\$5 to \$10 [2]"
    page = rendered(text)
    assert "<strong>26 days</strong>" in page and "<li>one</li>" in page and "[1, 2]" in page


def test_addresses_compare_without_scheme_case_or_trailing_slash() -> None:
    assert url_key("HTTPS://Harbor.Northwind.example/leave/") == url_key("harbor.northwind.example/leave")
    assert urls_in([SOURCE]) == {"harbor.northwind.example/leave", "hr@northwind.example",
                                 "www.northwind.example/handbook"}


def test_the_page_links_only_to_what_the_cited_passages_say() -> None:
    handbook = chunk(1, SOURCE, file="Handbook.pdf")
    other = chunk(2, "Retrieved but not cited: http://other.example", file="Other.pdf")
    answer = Answer(text="t", citations=[Citation(1, "Handbook.pdf", 1, "", "snippet", 1.0, chunk_id="c1")],
                    refused=False, timings={}, model="m", sources=[handbook, other])
    assert cited_texts(answer) == [SOURCE]
