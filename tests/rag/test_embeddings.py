"""The BGE path of rag.embeddings on a tiny BERT built here (no download), and the tokenizer thread race."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import docx
import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer import modules as st_modules
from transformers import BertConfig, BertModel, BertTokenizerFast

from ingest.sync import run_sync
from rag.embeddings import BGE_INSTRUCTION_EN, BGE_INSTRUCTION_ZH, SentenceTransformerEmbedder, load_embedder
from rag.errors import ModelError, StoreMismatch
from rag.query.retriever import Retriever
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase

BGE_EN = "BAAI/bge-tiny-en-v1.5"
BGE_ZH = "BAAI/bge-tiny-zh-v1.5"
WORDS = (
    "represent this sentence for searching relevant passages the a of to and in is how many days leave "
    "employees get annual paid password length minimum battery robot word token"
).split()
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _tiny_bert(dest: Path, *, normalize: bool = True) -> Path:
    """A 2-layer BERT with a WordPiece vocab (whole words, plus letters so any word tokenizes),
    wrapped like BGE: Transformer → CLS pooling → Normalize."""
    raw = dest.parent / f"{dest.name}-hf"
    raw.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *":,.?!-", *WORDS, *LETTERS, *(f"##{c}" for c in LETTERS)]
    vocab += list("为这个句子生成表示以用于检索相关文章：")  # BGE's Chinese instruction
    ids = {tok: i for i, tok in enumerate(dict.fromkeys(vocab))}
    config = BertConfig(
        vocab_size=len(ids), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
        initializer_range=1.0,  # large random weights: the CLS vector then depends clearly on the input
    )
    torch.manual_seed(0)  # same weights every run
    BertModel(config).save_pretrained(str(raw))
    tokenizer = BertTokenizerFast(vocab=ids, do_lower_case=True)
    assert tokenizer.tokenize("battery tokens") == ["battery", "token", "##s"]  # the vocab took
    tokenizer.save_pretrained(str(raw))
    word = st_modules.Transformer(str(raw), max_seq_length=64)
    modules: list[torch.nn.Module] = [word, st_modules.Pooling(word.get_embedding_dimension(), "cls")]
    if normalize:
        modules.append(st_modules.Normalize())
    SentenceTransformer(modules=modules, device="cpu").save(str(dest))
    shutil.rmtree(raw)
    return dest


@pytest.fixture(scope="module", autouse=True)
def torch_threads() -> Iterator[None]:
    """The embedder sets torch's global thread count; give it back to the session's MiniLM afterwards."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    _tiny_bert(root / "bge-tiny-en-v1.5")  # found in models_dir by the name's last part
    return root


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the Hugging Face cache at an empty folder: a model in the real cache must not leak in."""
    from huggingface_hub import constants

    cache = tmp_path / "hf-hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def bge(models_dir: Path) -> SentenceTransformerEmbedder:
    return load_embedder(_settings(embed_model=BGE_EN, models_dir=models_dir, embed_batch_size=8))


def _settings(**values: object) -> Settings:
    # One torch thread: a tiny model on two busy cores is 15x slower with two (thread pool spin-waits).
    return Settings(threads=1, **values)  # type: ignore[arg-type]


def _raw(model: SentenceTransformer, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts, normalize_embeddings=True, convert_to_numpy=True))


def test_bge_settings_from_the_name(bge: SentenceTransformerEmbedder, models_dir: Path) -> None:
    assert bge.query_instruction == BGE_INSTRUCTION_EN
    assert bge.english_only
    assert bge.dim == 32 and bge.max_tokens == 62


def test_query_instruction_on_queries_only(bge: SentenceTransformerEmbedder, models_dir: Path) -> None:
    q = "how many days of annual leave"
    raw = SentenceTransformer(str(models_dir / "bge-tiny-en-v1.5"), device="cpu", local_files_only=True)
    np.testing.assert_allclose(bge.embed_query(q), _raw(raw, [BGE_INSTRUCTION_EN + q])[0], atol=1e-5)
    np.testing.assert_allclose(bge.embed_documents([q])[0], _raw(raw, [q])[0], atol=1e-5)
    assert float(np.abs(bge.embed_query(q) - bge.embed_documents([q])[0]).max()) > 0.05
    # An explicit empty instruction turns it off.
    plain = load_embedder(_settings(embed_model=BGE_EN, models_dir=models_dir, query_instruction=""))
    np.testing.assert_allclose(plain.embed_query(q), bge.embed_documents([q])[0], atol=1e-5)


def test_vectors_are_normalised_even_without_a_normalize_module(tmp_path: Path) -> None:
    # Without a Normalize layer the raw CLS vectors are not unit length: the embedder must normalise.
    root = tmp_path / "models"
    raw_dir = _tiny_bert(root / "bge-tiny-en-v1.5", normalize=False)
    raw = SentenceTransformer(str(raw_dir), device="cpu", local_files_only=True)
    texts = ["battery", "the robot password minimum length", "a " * 40]
    raw_norms = np.linalg.norm(raw.encode(texts, convert_to_numpy=True), axis=1)
    assert not np.allclose(raw_norms, 1.0, atol=1e-3)
    emb = load_embedder(_settings(embed_model=BGE_EN, models_dir=root))
    docs = emb.embed_documents(texts)
    assert docs.dtype == np.float32 and docs.shape == (3, 32)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert float(np.linalg.norm(emb.embed_query("battery"))) == pytest.approx(1.0, abs=1e-5)
    assert emb.embed_documents([]).shape == (0, 32)


def test_bge_zh_found_in_the_hugging_face_cache(tmp_path: Path, empty_hf_cache: Path) -> None:
    snapshot = empty_hf_cache / "models--BAAI--bge-tiny-zh-v1.5" / "snapshots" / ("0" * 40)
    _tiny_bert(snapshot)
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0" * 40)
    emb = load_embedder(_settings(embed_model=BGE_ZH, models_dir=tmp_path / "no-models"))
    assert emb.query_instruction == BGE_INSTRUCTION_ZH and not emb.english_only
    raw = SentenceTransformer(str(snapshot), device="cpu", local_files_only=True)
    np.testing.assert_allclose(emb.embed_query("年假"), _raw(raw, [BGE_INSTRUCTION_ZH + "年假"])[0], atol=1e-5)


def test_missing_bge_model_is_one_clear_error(tmp_path: Path) -> None:
    name = "BAAI/bge-small-en-v1.5"
    models_dir = tmp_path / "models"
    with pytest.raises(ModelError) as err:
        load_embedder(_settings(embed_model=name, models_dir=models_dir))
    msg = str(err.value)
    assert "\n" not in msg
    assert str(models_dir / "bge-small-en-v1.5") in msg  # where it looked ...
    assert "Hugging Face cache" in msg
    assert f"python -m rag.models fetch {name}" in msg  # ... and how to fix it


def test_bge_fingerprint_refused_by_a_minilm_store(
    bge: SentenceTransformerEmbedder, embedder: SentenceTransformerEmbedder, make_settings, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    assert bge.fingerprint() != embedder.fingerprint()
    assert bge.fingerprint()["embed_model"] == BGE_EN and bge.fingerprint()["embed_dim"] == 32
    docs = tmp_path / "docs"
    docs.mkdir()
    d = docx.Document()
    d.add_paragraph("Employees get 26 days of paid annual leave.")
    d.save(str(docs / "leave.docx"))
    settings: Settings = make_settings()
    run_sync(settings, docs, progress=False, index=KnowledgeBase(settings, embedder=embedder))
    index = KnowledgeBase(settings, embedder=bge)
    before = sorted(index.store.ids())
    with pytest.raises(StoreMismatch, match="--reindex") as err:
        run_sync(settings, docs, progress=False, index=index)
    assert BGE_EN in str(err.value) and "all-MiniLM-L6-v2" in str(err.value)
    assert sorted(index.store.ids()) == before and index.store.fingerprint()["embed_dim"] == 384
    # Querying that store with BGE vectors is refused too, rather than answered with noise.
    with pytest.raises(StoreMismatch, match="--reindex"):
        Retriever(index, settings.retrieval, keep_ranked=settings.answer.sources).search("annual leave")


def test_chunker_tokenizer_is_private_and_thread_safe(models_dir: Path) -> None:
    """Regression: the chunker (count/windows, parse thread) and encode() (sync thread) once shared one
    fast tokenizer whose padding/truncation state each call rewrites: encode got unpadded batches
    ("Unable to create tensor"). With a shared tokenizer this loop fails in most runs."""
    emb = load_embedder(_settings(embed_model=BGE_EN, models_dir=models_dir, embed_batch_size=4))
    assert emb.tokenizer is not emb.model.tokenizer
    texts = [("token " * n).strip() for n in (3, 60, 17, 90, 1, 45, 120, 8, 33, 75)]  # padding needed
    units = [("word " * n).strip() for n in range(1, 120, 7)]
    expected_counts = [len(u.split()) for u in units]
    long_text = " ".join(WORDS * 6)
    expected_windows = emb.windows(long_text, 16, 4)
    reference = emb.embed_documents(texts)

    errors: list[str] = []
    started, stop = threading.Event(), threading.Event()
    calls = [0]

    def chunker() -> None:
        while not stop.is_set():
            try:
                if emb.count(units) != expected_counts:
                    errors.append("wrong token counts")
                if emb.windows(long_text, 16, 4) != expected_windows:
                    errors.append("wrong windows")
            except Exception as e:
                errors.append(f"chunker: {type(e).__name__}: {e}")
            calls[0] += 1
            started.set()

    thread = threading.Thread(target=chunker, daemon=True)
    thread.start()
    started.wait()
    results = []
    try:
        for _ in range(30):
            try:
                results.append(emb.embed_documents(texts))
            except Exception as e:
                errors.append(f"encode: {type(e).__name__}: {str(e)[:100]}")
    finally:
        stop.set()
        thread.join()
    assert calls[0] > 1
    assert errors == []
    assert len(results) == 30
    for got in results:
        np.testing.assert_allclose(got, reference, atol=1e-5)
