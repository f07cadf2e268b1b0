"""Settings: typed sections, the flat names that have always worked, bounds, and no side effects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.errors import InvalidInput
from rag.settings import FLAT_NAMES, PROJECT_ROOT, SECTIONS, Settings, load_settings


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No rag.toml and no RAG_* variable of the machine leaks into these tests."""
    for key in list(os.environ):
        if key.upper().startswith("RAG_"):
            monkeypatch.delenv(key)
    config = tmp_path / "rag.toml"
    monkeypatch.setenv("RAG_CONFIG", str(config))
    return config


def test_every_field_has_a_description_and_one_flat_name() -> None:
    for section in SECTIONS.values():
        for name, info in section.model_fields.items():
            assert info.description, f"{section.__name__}.{name} has no description"
    assert len(FLAT_NAMES) == sum(len(s.model_fields) for s in SECTIONS.values())


def test_flat_environment_variables_keep_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "8")
    monkeypatch.setenv("RAG_STORE_PATH", "/tmp/kb-store")
    monkeypatch.setenv("RAG_LLM_MODEL", "qwen2.5-coder-0.5b")
    monkeypatch.setenv("rag_auth_mode", "users")
    s = Settings()
    assert s.retrieval.top_k == 8
    assert s.store.path == Path("/tmp/kb-store")
    assert s.llm.model == "qwen2.5-coder-0.5b"
    assert s.auth.mode == "users"


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL__TOP_K", "7")
    assert Settings().retrieval.top_k == 7


def test_toml_flat_keys_and_tables(no_config: Path) -> None:
    no_config.write_text('top_k = 9\nllm_model = "x.gguf"\n\n[answer]\nsources = 2\n', encoding="utf-8")
    s = Settings()
    assert (s.retrieval.top_k, s.llm.model, s.answer.sources) == (9, "x.gguf", 2)


def test_precedence_arguments_over_environment_over_toml(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_config.write_text("top_k = 9\ncandidates = 11\nrrf_k = 12\n", encoding="utf-8")
    monkeypatch.setenv("RAG_CANDIDATES", "21")
    monkeypatch.setenv("RAG_RRF_K", "22")
    s = Settings(rrf_k=32)
    assert (s.retrieval.top_k, s.retrieval.candidates, s.retrieval.rrf_k) == (9, 21, 32)


def test_relative_paths_are_taken_from_the_project_root() -> None:
    s = Settings(docs_dir="some/docs", store_path="/abs/store")
    assert s.store.docs_dir == PROJECT_ROOT / "some" / "docs"
    assert s.store.path == Path("/abs/store")
    assert s.models.dir == PROJECT_ROOT / "models"


@pytest.mark.parametrize(("key", "value"), [("top_k", 0), ("top_k", 10_000), ("temperature", -1),
                                            ("chroma_port", 70_000), ("collection", "x"), ("llm_backend", "gpt")])
def test_out_of_bounds_values_are_refused_naming_the_field(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(**{key: value})
    assert FLAT_NAMES[key][1] in str(err.value)


def test_unknown_setting_is_refused(no_config: Path) -> None:
    with pytest.raises(ValidationError, match="top_kk"):
        Settings(top_kk=3)
    no_config.write_text("[retrieval]\ntopk = 3\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="topk"):
        Settings()


def test_replace_validates_and_leaves_the_original() -> None:
    s = Settings()
    t = s.replace(top_k=3, answer={"sources": 2})
    assert (t.retrieval.top_k, t.answer.sources) == (3, 2)
    assert s.retrieval.top_k == Settings().retrieval.top_k
    with pytest.raises(ValidationError):
        s.replace(top_k=-3)
    with pytest.raises(ValueError, match="nope"):
        s.replace(nope=1)


def test_flat_view_names_every_setting() -> None:
    flat = Settings(top_k=4).flat()
    assert flat["top_k"] == 4 and set(flat) == set(FLAT_NAMES)


def test_loading_settings_changes_no_environment_variable() -> None:
    code = ("import os; before = dict(os.environ); import rag.settings as s; s.Settings(); "
            "import rag; print(dict(os.environ) == before)")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                         check=True)
    assert out.stdout.strip() == "True"


def test_entry_points_get_one_line_naming_the_setting(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "lots")
    with pytest.raises(InvalidInput, match=r"^setting top_k \(RAG_TOP_K or rag.toml\): Input should be a valid"):
        load_settings()
    monkeypatch.delenv("RAG_TOP_K")
    no_config.write_text("top_k = [", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid TOML"):
        load_settings()
