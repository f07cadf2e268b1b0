"""Word .docx → paragraph and table blocks in document order, each with its heading path.

python-docx opens the package; the body is walked as XML because `.paragraphs` misses tables, text
boxes, content controls and inserted tracked changes, and would keep deleted ones.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingest.parsers.base import Block, ParsedDoc, ParseOptions, Parser, Sample
from ingest.parsers.ziplimits import check_zip
from rag.errors import ParseError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_STRICT_W = b"http://purl.oclc.org/ooxml/wordprocessingml/main"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Subtrees whose text is not part of the document as it reads now.
_SKIP = {_w("del"), _w("moveFrom"), _w("instrText"), _w("pPr"), _w("rPr"), f"{{{MC}}}Fallback"}
_CONTAINERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag"), _w("ins"), _w("moveTo")}
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)


def sniff(sample: Sample) -> bool:
    """A ZIP package with a main document part (some writers name its folder other than word/)."""
    names = sample.zip_names
    return "word/document.xml" in names or any(n.endswith("/document.xml") for n in names)


def parse_docx(path: Path, options: ParseOptions) -> ParsedDoc:
    check_zip(path, options)
    body, styles = _open(path)
    levels = _heading_levels(styles)
    doc = ParsedDoc(kind="docx")
    stack: list[tuple[int, str]] = []
    for kind, el in _blocks(body):
        if kind == "tbl":
            text = _table_text(el)
            if text:
                doc.blocks.append(Block(text=text, headings=tuple(h for _, h in stack)))
            continue
        text = _paragraph_text(el).strip()
        if not text:
            continue
        level = _paragraph_level(el, levels)
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text[:200]))
            continue
        doc.blocks.append(Block(text=text, headings=tuple(h for _, h in stack)))
    if not doc.blocks:
        if stack:  # a document of headings only still says something
            doc.blocks.append(Block(text="\n".join(h for _, h in stack)))
        else:
            raise ParseError("no extractable text (the document is empty or only images)")
    return doc


def _open(path: Path) -> tuple[etree._Element, etree._Element | None]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        return document.element.body, document.styles.element
    except PackageNotFoundError as e:
        raise ParseError("corrupt or truncated .docx (not a readable Word package)") from e
    except KeyError:
        # python-docx cannot read ISO 29500 Strict files; their XML is the same under other namespaces.
        return _open_strict(path)
    except Exception as e:
        raise ParseError(f"corrupt .docx ({type(e).__name__}: {e})") from e


def _open_strict(path: Path) -> tuple[etree._Element, etree._Element | None]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            main = next((n for n in ("word/document.xml", "word/document2.xml") if n in names), None)
            if main is None:
                raise ParseError("Word package without a main document part")
            xml = zf.read(main).replace(_STRICT_W, W.encode())
            styles = zf.read("word/styles.xml").replace(_STRICT_W, W.encode()) if "word/styles.xml" in names else None
    except (zipfile.BadZipFile, OSError) as e:
        raise ParseError(f"corrupt .docx ({e})") from e
    root = etree.fromstring(xml)
    body = root.find(_w("body"))
    if body is None:
        raise ParseError("Word document without a body")
    return body, etree.fromstring(styles) if styles is not None else None


def _blocks(parent: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    for el in parent:
        if el.tag == _w("p"):
            yield "p", el
        elif el.tag == _w("tbl"):
            yield "tbl", el
        elif el.tag in _CONTAINERS:
            yield from _blocks(el)


def _paragraph_text(p: etree._Element) -> str:
    parts: list[str] = []
    _collect(p, parts)
    return "".join(parts)


def _collect(el: etree._Element, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == _w("t"):
            out.append(child.text or "")
        elif tag == _w("tab"):
            out.append("\t")
        elif tag in (_w("br"), _w("cr")):
            out.append("\n")
        elif tag == _w("noBreakHyphen"):
            out.append("-")
        elif tag == _w("p"):  # a paragraph inside a text box
            _collect(child, out)
            out.append("\n")
        else:
            _collect(child, out)


def _table_text(tbl: etree._Element) -> str:
    rows = []
    for tr in tbl.iter(_w("tr")):
        if tr.getparent() is not tbl:
            continue
        cells = []
        for tc in tr.findall(_w("tc")):
            text = " ".join(_paragraph_text(p).strip() for kind, p in _blocks(tc) if kind == "p")
            nested = [_table_text(t) for kind, t in _blocks(tc) if kind == "tbl"]
            cells.append(" ".join(s for s in (text.strip(), *nested) if s))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _heading_levels(styles: etree._Element | None) -> dict[str, int]:
    """Style id → heading level (1 = top), from the style's name or its outline level."""
    if styles is None:
        return {}
    levels: dict[str, int] = {}
    for style in styles.iter(_w("style")):
        if style.get(_w("type")) != "paragraph":
            continue
        sid = style.get(_w("styleId")) or ""
        name_el = style.find(_w("name"))
        name = (name_el.get(_w("val")) if name_el is not None else "") or ""
        m = _HEADING_NAME.match(name.strip())
        outline = style.find(f"{_w('pPr')}/{_w('outlineLvl')}")
        if m:
            levels[sid] = int(m.group(1))
        elif name.strip().lower() == "title":
            levels[sid] = 0
        elif outline is not None and (val := outline.get(_w("val"), "9")).isdigit() and int(val) < 9:
            levels[sid] = int(val) + 1
    return levels


def _paragraph_level(p: etree._Element, levels: dict[str, int]) -> int | None:
    ppr = p.find(_w("pPr"))
    if ppr is None:
        return None
    outline = ppr.find(_w("outlineLvl"))
    if outline is not None and (val := outline.get(_w("val"), "9")).isdigit() and int(val) < 9:
        return int(val) + 1
    style = ppr.find(_w("pStyle"))
    return levels.get(style.get(_w("val"), "")) if style is not None else None


PARSER = Parser(
    name="docx", label="Word .docx",
    mime_types={
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    },
    sniff=sniff, parse=parse_docx, version=1,
)
