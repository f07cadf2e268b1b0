from __future__ import annotations

from ingest.chunking import ChunkSettings, chunk_blocks
from ingest.parsers import Block, parse
from rag.embeddings import SentenceTransformerEmbedder
from rag.settings import ChunkingSettings
from rag.text.sentences import unit_spans
from tests.conftest import SHARED, needs_shared

PREFIX = ChunkingSettings().max_prefix_tokens


def test_units_split_at_english_and_cjk_sentence_ends() -> None:
    text = "First sentence. Second one! 第一句。第二句！第三句；end"
    units = [text[s:e] for s, e in unit_spans(text)]
    assert units == ["First sentence. ", "Second one! ", "第一句。", "第二句！", "第三句；", "end"]


def test_chunks_fit_the_encoder_and_keep_pages(embedder: SentenceTransformerEmbedder) -> None:
    needs_shared()
    doc = parse(SHARED / "nasty/long/pdfminer_irs_i1040nr_instructions.pdf")
    cfg = ChunkSettings(max_tokens=embedder.max_tokens, chunk_tokens=200, overlap=30, max_prefix_tokens=PREFIX)
    chunks = chunk_blocks(doc.blocks, "i1040nr", embedder, cfg)
    counts = embedder.count([c.embed_text for c in chunks])
    assert max(counts) <= embedder.max_tokens  # MiniLM silently truncates beyond 256 tokens
    assert {c.page for c in chunks} == {b.page for b in doc.blocks}
    assert all(c.page == c.page_end for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    # Most chunks end at a sentence or line end rather than mid-word.
    ends = sum(c.text.rstrip()[-1] in ".:;!?)" or len(c.text) < 400 for c in chunks)
    assert ends / len(chunks) > 0.6


def test_overlap_and_heading_context(embedder: SentenceTransformerEmbedder) -> None:
    sentences = " ".join(f"Sentence number {i} talks about widget {i}." for i in range(60))
    blocks = [Block(text=sentences, headings=("Manual", "Widgets"))]
    cfg = ChunkSettings(max_tokens=embedder.max_tokens, chunk_tokens=60, overlap=20, max_prefix_tokens=PREFIX)
    chunks = chunk_blocks(blocks, "guide", embedder, cfg)
    assert len(chunks) > 3
    assert chunks[0].embed_text.startswith("guide > Manual > Widgets\n")
    assert chunks[0].heading == "Manual > Widgets"
    last_of_first = chunks[0].text.split(". ")[-1]
    assert last_of_first.rstrip(".") in chunks[1].text  # the next chunk starts with overlap


def test_long_cjk_paragraph_is_cut_at_sentence_ends(embedder: SentenceTransformerEmbedder) -> None:
    text = "".join(f"这是第{i}个句子，用来测试中文分块。" for i in range(80))
    cfg = ChunkSettings(max_tokens=embedder.max_tokens, chunk_tokens=100, overlap=10, max_prefix_tokens=PREFIX)
    chunks = chunk_blocks([Block(text=text, page=1)], "中文", embedder, cfg)
    assert len(chunks) > 2
    assert all(c.text.endswith("。") for c in chunks[:-1])
    assert max(embedder.count([c.embed_text for c in chunks])) <= embedder.max_tokens


def test_a_sentence_longer_than_a_chunk_is_cut_by_tokens(embedder: SentenceTransformerEmbedder) -> None:
    text = " ".join(["word"] * 1000)
    cfg = ChunkSettings(max_tokens=embedder.max_tokens, chunk_tokens=100, overlap=10, max_prefix_tokens=PREFIX)
    chunks = chunk_blocks([Block(text=text)], "t", embedder, cfg)
    assert len(chunks) >= 10
    assert max(embedder.count([c.text for c in chunks])) <= 100
