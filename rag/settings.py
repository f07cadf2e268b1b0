"""All configuration in typed sections: defaults < `rag.toml` < `RAG_*` environment variables < arguments.

Each component receives its own section (`settings.retrieval`, `settings.llm`, ...). Every field keeps
the one flat name it has always had, so `RAG_TOP_K=8`, `top_k = 8` in `rag.toml` and
`Settings(top_k=8)` all still work; the nested spellings (`RAG_RETRIEVAL__TOP_K`, a `[retrieval]`
table, `Settings(retrieval={"top_k": 8})`) work as well.

Loading settings has no side effect: the offline environment is set by `rag.offline` when a model
or the store is opened.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "RAG_"


def setting(default: Any, description: str, *, flat: str | None = None, **bounds: Any) -> Any:
    """A field with its description, bounds and, when it differs from the field's name, its flat name
    (the `RAG_*` variable and top-level `rag.toml` key it has always been known by)."""
    return Field(default, description=description, json_schema_extra={"flat": flat} if flat else None, **bounds)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class StoreSettings(Section):
    docs_dir: Path = setting(Path("data/docs"), "The documents folder (relative: to the project root).")
    path: Path = setting(Path("data/store"), "The store folder: embedded Chroma, catalog, lexical index, lock.",
                         flat="store_path")
    collection: str = setting("documents", "Chroma collection name (Chroma allows 3-512 characters).",
                              pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")
    chroma_host: str | None = setting(None, "A Chroma server's host (HttpClient) instead of the embedded store.")
    chroma_port: int = setting(8000, "The Chroma server's port.", ge=1, le=65535)
    max_batch: int = setting(5000, "Records per Chroma call, at most: Chroma refuses more than 5,461 at once.",
                             ge=1, le=5461)


class ModelSettings(Section):
    dir: Path = setting(Path("models"), "Local model files (relative: to the project root).", flat="models_dir")
    cache_dir: Path = setting(Path.home() / ".cache" / "rag-kb" / "models",
                              "Where joined GGUF files live: outside the repo, so CI can keep it.",
                              flat="model_cache")


class EmbeddingSettings(Section):
    model: str = setting("all-MiniLM-L6-v2", "Embedding model: a name in models/, the HF cache, or a path.",
                         flat="embed_model")
    batch_size: int = setting(32, "Texts per encoder batch.", flat="embed_batch_size", ge=1, le=4096)
    languages: Literal["auto", "en", "multi"] = setting(
        "auto", "Languages the encoder reads; auto: from the model name. For an English-only encoder, CJK "
        "questions are answered by the lexical side alone (its dense ranks are noise).", flat="embed_languages")
    query_instruction: str | None = setting(
        None, "Prefix for queries; None: BGE's own instruction for BGE models, none otherwise.")
    threads: int = setting(2, "Torch threads for the encoder.", ge=1, le=256)


class ChunkingSettings(Section):
    tokens: int = setting(160, "Chunk size in embedder tokens (part of the store's fingerprint).",
                          flat="chunk_tokens", ge=16, le=8192)
    overlap: int = setting(24, "Tokens shared by consecutive chunks of one section.", flat="chunk_overlap",
                           ge=0, le=4096)
    max_prefix_tokens: int = setting(
        40, "Tokens of title and heading path put before a chunk's text for the encoder; deeper headings "
        "are dropped from the front past this.", ge=0, le=256)
    embed_batch_chunks: int = setting(
        256, "Chunks of several files embedded together, so small files still fill the encoder's batches.",
        ge=1, le=100_000)


class RetrievalSettings(Section):
    top_k: int = setting(5, "Chunks returned per question.", ge=1, le=100)
    candidates: int = setting(40, "Candidates per side (dense, lexical) before fusion.", ge=1, le=1000)
    rrf_k: int = setting(60, "Reciprocal-rank-fusion constant: larger flattens the rank weights.", ge=1, le=1000)
    dense_weight: float = setting(1.0, "Weight of the dense ranking in the fusion.", ge=0.0, le=10.0)
    lexical_weight: float = setting(1.0, "Weight of the BM25 ranking in the fusion.", ge=0.0, le=10.0)
    cjk_question_share: float = setting(
        0.3, "Share of CJK letters above which an English-only encoder does not read a question (its "
        "similarity is 0.56-0.71 even for unanswerable CJK questions, measured).", ge=0.0, le=1.0)
    scope_overfetch: float = setting(
        2.0, "Within a scope of files (access rules, a file or folder choice) the dense side asks the store, "
        "unfiltered, for this many times the candidates the scope's share of the chunks should hold, and "
        "keeps those in scope: a store filter costs ~90 ms at 100k chunks whatever it selects, an unfiltered "
        "query for 800 ~14 ms (benchmarks/RESULTS.md).", ge=1.0, le=100.0)
    scope_fetch_max: int = setting(
        2000, "Most chunks fetched that way; a scope that would need more (a small share of a big store) "
        "goes through the store's filter.", ge=1, le=1_000_000)
    fetch_spare: int = setting(
        5, "Chunk texts fetched beyond top_k per batch: chunks of a version being replaced are dropped.",
        ge=0, le=100)


class AnswerSettings(Section):
    sources: int = setting(
        3, "Passages given to the LLM at most; also where retrieval starts to prefer pages not yet listed.",
        flat="answer_sources", ge=1, le=20)
    passage_tokens: int = setting(
        140, "Tokens of each passage, cut to its sentences nearest the question (reading the prompt "
        "dominates on CPU; benchmarks/RESULTS.md).", ge=16, le=4096)
    source_keep: float = setting(
        0.5, "A passage whose best sentence matches less than this share of the best passage's is left out.",
        ge=0.0, le=1.0)
    focus_dense_weight: float = setting(
        0.5, "Weight of a sentence's cosine to the question beside its word match when passages are cut "
        "(0: words only).", ge=0.0, le=10.0)
    history_tokens: int = setting(400, "Tokens of recent conversation kept for a follow-up's rewrite.",
                                  ge=0, le=32768)
    question_chars: int = setting(2000, "Longest question taken (the page, the CLI, the API); a history message "
                                  "is cut to it too.", ge=10, le=100_000)
    rewrite_tokens: int = setting(64, "Tokens the follow-up rewrite may take: one question.", ge=8, le=1024)
    prompt_reserve_tokens: int = setting(
        300, "Context tokens kept free for the system prompt, the question and the chat template.",
        ge=0, le=32768)
    conflict_overlap: float = setting(
        0.7, "A source sentence says the same as a sentence of the answer when this share of the words of "
        "each is in the other (figures aside); with other figures, the answer gives it as a disagreement.",
        ge=0.0, le=1.0)
    refusal_threshold: float = setting(
        0.35, "Refuse without the LLM unless a passage's cosine to the question reaches this "
        "(or the coverage below). Calibrated: benchmarks/refusal_calibration.py.", ge=-1.0, le=1.0)
    refusal_coverage: float = setting(
        0.5, "... or a passage holds this share of the question's content units (words; CJK bigrams).",
        ge=0.0, le=1.0)
    refusal_text: str = setting("I don't know: the documents do not say.", "The refusal, word for word.",
                                min_length=1, max_length=500)
    snippet_chars: int = setting(320, "Length a citation's supporting passage grows to.", ge=40, le=5000)
    snippet_slack: int = setting(80, "Characters a snippet may run past snippet_chars to end at a sentence.",
                                 ge=0, le=1000)


class LLMSettings(Section):
    backend: Literal["llama_cpp", "transformers", "openai"] = setting(
        "llama_cpp", "Who generates: llama.cpp in process, transformers in process, or an "
        "OpenAI-compatible server.", flat="llm_backend")
    model: str = setting("qwen2.5-coder-1.5b", "Catalogue name, GGUF file in models/, folder, or server model.",
                         flat="llm_model")
    base_url: str = setting("http://127.0.0.1:8080/v1", "The OpenAI-compatible server.", flat="llm_base_url")
    api_key: str = setting("none", "Its API key.", flat="llm_api_key")
    timeout: float = setting(120.0, "Seconds an OpenAI-compatible request may take.", flat="llm_timeout",
                             gt=0, le=3600)
    max_retries: int = setting(1, "Retries of a failed OpenAI-compatible request.", flat="llm_max_retries",
                               ge=0, le=10)
    context_tokens: int = setting(4096, "The model's context window used.", ge=512, le=131072)
    max_new_tokens: int = setting(160, "Answer length at most: answers are one to three sentences.",
                                  ge=1, le=8192)
    temperature: float = setting(0.1, "Sampling temperature; low for factual answers.", ge=0.0, le=2.0)
    top_p: float = setting(0.9, "Nucleus sampling.", gt=0.0, le=1.0)
    repeat_penalty: float = setting(1.1, "Penalty on repeated tokens.", ge=0.5, le=2.0)
    threads: int = setting(
        2, "Generation threads: on an idle 2-core machine 2 threads generate 12.8 tokens/s, 1 thread 6.9 "
        "(1.5B, measured); 1 can win only when another process keeps the second core busy.",
        flat="llm_threads", ge=1, le=256)
    batch_threads: int = setting(2, "Prompt-processing threads.", flat="llm_batch_threads", ge=1, le=256)


class AppSettings(Section):
    upload_max_mb: int = setting(50, "Largest upload, in MB.", ge=1, le=10_000)
    closest_sources: int = setting(3, "Passages shown under a refusal as places to look.", ge=0, le=20)


class AccessSettings(Section):
    rules_file: Path | None = setting(
        None, "The access rules (which groups read which files); unset: access.toml at the root of the docs "
        "folder, so the rules travel with the documents. No rules file: every file is open to everyone.",
        flat="access_file")


class AuthSettings(Section):
    mode: Literal["auto", "open", "users", "proxy"] = setting(
        "auto", "How the page knows who is asking: `users` signs in against the users file, `proxy` trusts "
        "a reverse proxy's user and group headers, `open` asks nobody (one trusted person); `auto`: `users` "
        "when the users file exists, else `open`.", flat="auth_mode")
    users_file: Path = setting(Path("data/users.toml"), "The users file: names, groups and salted password "
                               "hashes (relative: to the project root).")
    session_minutes: int = setting(
        480, "Longest a sign-in lasts, however active its user (absolute, from the sign-in): a working day.",
        ge=1, le=7 * 24 * 60)
    idle_minutes: int = setting(60, "A signed-in page left without any action this long signs out at the next one.",
                                ge=1, le=7 * 24 * 60)
    max_failed_signins: int = setting(
        5, "Failed sign-ins, for one user name or from one client address, that lock its sign-in.", ge=1, le=100)
    lockout_seconds: int = setting(
        300, "How long such a lock lasts; failures further apart than this start the count again.",
        ge=1, le=24 * 3600)
    password_min_chars: int = setting(10, "Shortest password `python -m rag.users` accepts.", ge=1, le=72)
    bcrypt_rounds: int = setting(
        12, "Cost of a new password hash (2^rounds): 12 takes 0.27 s on this 2-core machine (measured), slow "
        "enough against guessing a stolen file, quick enough for one sign-in.", ge=4, le=16)
    proxy_user_header: str = setting("X-Forwarded-User", "In `proxy` mode: the header with the user's name "
                                     "(oauth2-proxy's).", pattern=r"^[A-Za-z0-9-]{1,100}$")
    proxy_groups_header: str = setting("X-Forwarded-Groups", "In `proxy` mode: the header with the user's "
                                       "groups, comma-separated.", pattern=r"^[A-Za-z0-9-]{1,100}$")
    proxy_sign_out_url: str | None = setting(
        None, "In `proxy` mode: where the sidebar's sign-out goes (oauth2-proxy: /oauth2/sign_out); unset: no button.")


class LimitsSettings(Section):
    """What one document file may cost the sync. A file over a limit is refused whole, with a one-line
    reason naming the setting, and tried again once it changes or that setting does; the other files
    go in. Parsing runs in a child process (ingest/isolation.py), so a parser that crashes, hangs or
    runs out of memory on a hostile file ends that process, not the sync."""

    file_mb: int = setting(200, "Largest file ingested, in MB; a larger one is reported and skipped.",
                           flat="max_file_mb", ge=1, le=100_000)
    memory_mb: int = setting(
        2048, "Address space of the parser process, in MB, which a flate or ZIP bomb would fill: parsing "
        "any FinanceBench 10-K takes under 120 (benchmarks/isolation_overhead.py).", flat="parse_memory_mb",
        ge=256, le=1_048_576)
    cpu_seconds: int = setting(
        120, "CPU seconds one file's parse may use: the longest FinanceBench 10-K (213 pages) takes about 3.",
        flat="parse_cpu_seconds", ge=1, le=86_400)
    wall_seconds: float = setting(
        300.0, "Seconds one file's parse may take by the clock, which also stops a parser that waits "
        "rather than computes; above the CPU limit, since the encoder shares the cores during a sync.",
        flat="parse_wall_seconds", gt=0, le=86_400)
    pages: int = setting(
        5000, "Pages of a PDF: a file with more is refused, not read in part (a partly indexed file "
        "would answer as if it were whole). Six bytes add a page: one page object listed 20,000 times is a "
        "120 KB file.",
        flat="max_pages", ge=1, le=1_000_000)
    chunks: int = setting(
        20_000, "Passages one file may yield: a file yielding more is refused, not truncated. The "
        "FinanceBench filings yield about 6 a page, so a 1,000-page filing about 6,000.", flat="max_chunks",
        ge=1, le=10_000_000)
    unzipped_mb: int = setting(
        1000, "What a Word file's ZIP members may unpack to in all, in MB, by its central directory, "
        "checked before it is opened.", flat="max_unzipped_mb", ge=1, le=100_000)
    zip_ratio: float = setting(
        100.0, "Largest unpacked-to-packed size ratio of a ZIP member of 1 MB or more: Word's own parts "
        "reach about 32 (styles), a bomb of zeros about 1,000.", flat="max_zip_ratio", ge=1.0, le=100_000.0)


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "Least severe messages of the project's own modules written to the log file (other "
        "libraries write WARNING and up: their INFO is noise to an admin).", flat="log_level")
    file: Path | None = setting(
        None, "The log file (relative: to the project root); unset: logs/rag.log in the store folder, next "
        "to the data it tells about, so each store (the eval's, the tests') keeps its own story.",
        flat="log_file")

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value  # RAG_LOG_LEVEL=debug works too


SECTIONS: dict[str, type[Section]] = {
    "store": StoreSettings, "models": ModelSettings, "embedding": EmbeddingSettings,
    "chunking": ChunkingSettings, "retrieval": RetrievalSettings, "answer": AnswerSettings,
    "llm": LLMSettings, "app": AppSettings, "access": AccessSettings, "auth": AuthSettings,
    "limits": LimitsSettings, "log": LogSettings,
}


def _flat_names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for section, model in SECTIONS.items():
        for field, info in model.model_fields.items():
            extra = info.json_schema_extra
            flat = str(extra["flat"]) if isinstance(extra, dict) and "flat" in extra else field
            assert flat not in names, f"flat setting name {flat!r} used twice"
            names[flat] = (section, field)
    return names


FLAT_NAMES = _flat_names()


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat keys (`top_k`) into their sections (`{"retrieval": {"top_k": ...}}`); nested ones kept."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in SECTIONS:
            section = dict(value) if isinstance(value, Mapping) else value
            out[key] = {**out.get(key, {}), **section} if isinstance(section, dict) else section
        elif key in FLAT_NAMES:
            section_name, field = FLAT_NAMES[key]
            out.setdefault(section_name, {})[field] = value
        else:
            out[key] = value  # refused by the model: unknown keys are an error
    return out


class _Nested(PydanticBaseSettingsSource):
    """Another source's values with flat keys moved into their sections."""

    def __init__(self, settings_cls: type[BaseSettings], inner: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.inner = inner

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return nest(self.inner())


class _FlatEnv(PydanticBaseSettingsSource):
    """`RAG_<FLAT NAME>` variables, case-insensitive, as the environment has always set them."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
        found = {flat: env[ENV_PREFIX + flat.upper()] for flat in FLAT_NAMES if ENV_PREFIX + flat.upper() in env}
        return nest(found)


def config_file() -> Path:
    return Path(os.environ.get("RAG_CONFIG", PROJECT_ROOT / "rag.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid",
                                      frozen=True)

    store: StoreSettings = StoreSettings()
    models: ModelSettings = ModelSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    app: AppSettings = AppSettings()
    access: AccessSettings = AccessSettings()
    auth: AuthSettings = AuthSettings()
    limits: LimitsSettings = LimitsSettings()
    log: LogSettings = LogSettings()

    def __init__(self, **values: Any) -> None:
        # Declared so type checkers accept the flat names (`Settings(top_k=3)`), which `nest` places.
        super().__init__(**values)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        nested_env = EnvSettingsSource(settings_cls, env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                       case_sensitive=False)
        return (_Nested(settings_cls, init_settings), nested_env, _FlatEnv(settings_cls),
                _Nested(settings_cls, toml))

    @model_validator(mode="after")
    def _paths_from_project_root(self) -> Settings:
        # Relative paths are taken from the project root, so `import rag` works from any directory.
        def rooted(path: Path) -> Path:
            path = path.expanduser()
            return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()

        object.__setattr__(self, "store", self.store.model_copy(
            update={"docs_dir": rooted(self.store.docs_dir), "path": rooted(self.store.path)}))
        object.__setattr__(self, "models", self.models.model_copy(
            update={"dir": rooted(self.models.dir), "cache_dir": rooted(self.models.cache_dir)}))
        object.__setattr__(self, "auth", self.auth.model_copy(update={"users_file": rooted(self.auth.users_file)}))
        if self.access.rules_file is not None:
            object.__setattr__(self, "access", self.access.model_copy(
                update={"rules_file": rooted(self.access.rules_file)}))
        if self.log.file is not None:
            object.__setattr__(self, "log", self.log.model_copy(update={"file": rooted(self.log.file)}))
        return self

    def flat(self) -> dict[str, Any]:
        """Every setting by its flat name, JSON-ready (what an eval run records)."""
        dumped = self.model_dump(mode="json")
        return {flat: dumped[section][field] for flat, (section, field) in FLAT_NAMES.items()}

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by flat name (`top_k=3`) or section (`retrieval={...}`),
        validated like any other value. Environment and `rag.toml` are not read again."""
        sections: dict[str, Any] = {}
        for name, update in nest(changes).items():
            if name not in SECTIONS:
                raise ValueError(f"unknown setting {name!r}")
            current = getattr(self, name)
            sections[name] = SECTIONS[name].model_validate({**current.model_dump(), **dict(update)})
        values = {name: sections.get(name, getattr(self, name)) for name in SECTIONS}
        return _validated(values)


def _validated(values: dict[str, Section]) -> Settings:
    # model_validate runs the validators (paths) without reading the environment or rag.toml again.
    return Settings.model_validate({name: section.model_dump() for name, section in values.items()})


def load_settings(**overrides: Any) -> Settings:
    """Settings for an entry point: a bad value or a broken `rag.toml` is one `InvalidInput` line that
    names the setting, instead of pydantic's report."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        raise InvalidInput(describe_error(e)) from e
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"{config_file()}: not valid TOML ({e})") from e


def describe_error(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    flat = next((name for name, where in FLAT_NAMES.items() if where == loc[:2]), ".".join(loc))
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"setting {flat} (RAG_{flat.upper()} or rag.toml): {first['msg']}{more}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()
