"""The plain LangChain recipe we measure ourselves against, built the way tutorials build it:
PyPDFLoader / Docx2txtLoader → RecursiveCharacterTextSplitter(500, 50) → MiniLM → Chroma → dense top-k.
"""

from __future__ import annotations

import logging
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from rag.models import resolve_embedding
from rag.settings import Settings
from rag.types import RetrievedChunk

logger = logging.getLogger(__name__)


def load_and_split(docs: Path) -> tuple[list[Any], int]:
    """Documents the recipe's way; a file its loader cannot read is dropped, as the recipe does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.document_loaders import Docx2txtLoader, PyPDFLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    pages, failed = [], 0
    for path in sorted(docs.rglob("*")):
        loader = {".pdf": PyPDFLoader, ".docx": Docx2txtLoader}.get(path.suffix.lower())
        if loader is None:
            continue
        try:
            loaded = loader(str(path)).load()
        except Exception:  # the recipe's loaders fail on some real files: counted, as the recipe would
            logger.warning("baseline: %s not loaded", path, exc_info=True)
            failed += 1
            continue
        for doc in loaded:
            doc.metadata["file"] = path.relative_to(docs).as_posix()
        pages += loaded
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    return splitter.split_documents(pages), failed


class LangChainRecipe:
    def __init__(self, settings: Settings, docs: Path, persist_dir: Path | None = None) -> None:
        from langchain_chroma import Chroma
        from langchain_huggingface import HuggingFaceEmbeddings

        t = time.perf_counter()
        chunks, self.failed = load_and_split(docs)
        embeddings = HuggingFaceEmbeddings(
            model_name=str(resolve_embedding(settings.embedding.model, settings.models.dir)),
            model_kwargs={"device": "cpu"},
        )
        self._tmp = tempfile.TemporaryDirectory(prefix="lc-recipe-")
        self.store = Chroma.from_documents(
            chunks, embeddings, persist_directory=str(persist_dir or self._tmp.name), collection_name="recipe"
        )
        self.ingest_seconds = round(time.perf_counter() - t, 2)
        self.chunks = len(chunks)

    def search(self, question: str, k: int) -> list[RetrievedChunk]:
        out = []
        for doc in self.store.similarity_search(question, k=k):
            page = doc.metadata.get("page")
            page = int(page) + 1 if page is not None else None  # PyPDFLoader counts pages from 0
            out.append(RetrievedChunk(id="", text=doc.page_content, file=doc.metadata["file"], page=page, page_end=page,
                             heading="", score=0.0, similarity=0.0))
        return out
