"""The filter language: the caller's filters → neutral filters → Chroma's `where`."""

from __future__ import annotations

import pytest

from rag.errors import NoMatchingDocuments
from rag.query.filters import Scope, scope
from rag.store.chroma import chroma_where
from rag.store.filters import All, Eq, In, Ne, all_of, one_of
from tests.rag.store.contract import FILES


def test_helpers_build_the_smallest_filter() -> None:
    assert one_of("kind", ["pdf"]) == Eq("kind", "pdf")
    assert one_of("kind", ("pdf", "docx")) == In("kind", ("pdf", "docx"))
    assert all_of() is None and all_of(None, None) is None
    assert all_of(Eq("a", 1), None) == Eq("a", 1)
    assert all_of(Eq("a", 1), Ne("b", 2)) == All((Eq("a", 1), Ne("b", 2)))
    with pytest.raises(ValueError, match="at least one value"):
        In("file", ())


def test_chroma_translation() -> None:
    assert chroma_where(None) is None
    assert chroma_where(Eq("file", "a.pdf")) == {"file": {"$eq": "a.pdf"}}
    assert chroma_where(Ne("doc_version", "v2")) == {"doc_version": {"$ne": "v2"}}
    assert chroma_where(In("page", (1, 2))) == {"page": {"$in": [1, 2]}}
    # Chroma refuses a $and of one part: one condition goes alone.
    assert chroma_where(All((Eq("file", "a.pdf"),))) == {"file": {"$eq": "a.pdf"}}
    assert chroma_where(All((Eq("file", "a.pdf"), Ne("doc_version", "v2")))) == {
        "$and": [{"file": {"$eq": "a.pdf"}}, {"doc_version": {"$ne": "v2"}}]
    }
    with pytest.raises(TypeError, match="not a store filter"):
        chroma_where({"file": "a.pdf"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (None, None),
        ({}, None),
        ({"file": [], "folder": "", "kind": None}, None),  # empty choices choose nothing away
        ({"file": "a.pdf"}, Eq("file", "a.pdf")),
        ({"file": ("docs/c.docx", "a.pdf")}, In("file", ("a.pdf", "docs/c.docx"))),
        ({"folder": "docs/"}, In("file", ("docs/b.pdf", "docs/c.docx", "docs/sub/d.docx"))),
        ({"folder": "/docs/sub"}, Eq("file", "docs/sub/d.docx")),
        ({"kind": ["pdf", "docx"]}, In("kind", ("pdf", "docx"))),
        # Files and folders intersected, first; metadata keys after, in the caller's order.
        ({"folder": "docs", "kind": "docx", "file": ["docs/c.docx", "a.pdf"], "page": 2},
         All((Eq("file", "docs/c.docx"), Eq("kind", "docx"), Eq("page", 2)))),
    ],
)
def test_callers_filters_become_store_filters(filters: dict[str, object] | None, expected: object) -> None:
    assert scope(filters, FILES, None).store_filter == expected


def test_access_narrows_the_callers_files() -> None:
    readable = frozenset({"a.pdf", "docs/b.pdf"})
    assert scope(None, FILES, readable) == Scope(readable, None)
    assert scope({"folder": "docs", "kind": "pdf"}, FILES, readable) == Scope(frozenset({"docs/b.pdf"}),
                                                                             Eq("kind", "pdf"))
    # Asking for a file outside access finds nothing, exactly as a file that does not exist.
    with pytest.raises(NoMatchingDocuments):
        scope({"file": "docs/c.docx"}, FILES, readable)
    with pytest.raises(NoMatchingDocuments):
        scope(None, FILES, frozenset())


@pytest.mark.parametrize("filters", [{"folder": "nowhere"}, {"folder": "doc"}, {"file": "a.pdf", "folder": "docs"}])
def test_filters_that_select_no_document(filters: dict[str, object]) -> None:
    with pytest.raises(NoMatchingDocuments):
        scope(filters, FILES, None)
