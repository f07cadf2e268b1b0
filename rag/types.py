"""The public result types of retrieval and answering."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RetrievedChunk:
    id: str
    text: str
    file: str
    page: int | None
    page_end: int | None
    heading: str
    score: float  # fused rank score (higher is better)
    similarity: float  # question-chunk cosine, for the refusal gate; 0 when the encoder cannot read the question
    page_label: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> str:
        if self.page is None:
            return ""
        return str(self.page) if not self.page_end or self.page_end == self.page else f"{self.page}-{self.page_end}"


@dataclass
class Citation:
    n: int
    file: str
    page: int | None
    heading: str
    snippet: str
    score: float
    chunk_id: str = ""


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    refused: bool
    timings: dict[str, float]
    model: str
    question: str = ""
    standalone_question: str = ""
    sources: list[RetrievedChunk] = field(default_factory=list)  # what was retrieved (for "you may want to look at")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
