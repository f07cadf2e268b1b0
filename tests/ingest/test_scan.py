"""The scan reads only files inside the documents folder: links out of it are reported, never read."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest.scan import scan
from ingest.sync import run_sync
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.text.display import printable
from tests.conftest import SAMPLES

PDF = SAMPLES / "Product Datasheet NR-200.pdf"


def test_links_out_of_the_folder_are_skipped_and_links_inside_kept(tmp_path: Path) -> None:
    docs, elsewhere = tmp_path / "docs", tmp_path / "elsewhere"
    (docs / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(PDF, elsewhere / "salaries.pdf")
    shutil.copy(PDF, docs / "sub" / "datasheet.pdf")
    (docs / "linked.pdf").symlink_to(elsewhere / "salaries.pdf")
    (docs / "alias.pdf").symlink_to(docs / "sub" / "datasheet.pdf")
    (docs / "outside-folder").symlink_to(elsewhere, target_is_directory=True)
    (docs / "loop.pdf").symlink_to(docs / "loop.pdf")
    found = scan(docs)
    assert sorted(f.rel for f in found.files) == ["alias.pdf", "sub/datasheet.pdf"]
    assert dict(found.skipped) == {
        "linked.pdf": "a link to a file outside the documents folder: skipped, not read",
        "loop.pdf": "a link to a file outside the documents folder: skipped, not read",
        "outside-folder": "a link to a folder outside the documents folder: skipped, not read",
    }


def test_sync_reports_the_link_and_drops_a_file_that_became_one(
    settings: Settings, index: KnowledgeBase, tmp_path: Path
) -> None:
    docs, elsewhere = settings.store.docs_dir, tmp_path / "elsewhere"
    docs.mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(PDF, docs / "datasheet.pdf")
    assert run_sync(settings, docs, progress=False, index=index).added == ["datasheet.pdf"]
    (docs / "datasheet.pdf").unlink()
    shutil.copy(PDF, elsewhere / "datasheet.pdf")
    (docs / "datasheet.pdf").symlink_to(elsewhere / "datasheet.pdf")
    report = run_sync(settings, docs, progress=False, index=index)
    assert report.deleted == ["datasheet.pdf"] and report.files == 0
    assert report.warnings == [{"file": "datasheet.pdf",
                                "warning": "a link to a file outside the documents folder: skipped, not read"}]
    assert index.store.count() == 0


def test_names_from_files_print_without_control_characters() -> None:
    assert printable("a\nFAILED  b.pdf\x1b[2J\u202e.pdf") == "a\\nFAILED  b.pdf\\x1b[2J\\u202e.pdf"
    assert printable("年假 policy.pdf") == "年假 policy.pdf"
