"""A ZIP container (Word's) checked against the limits by its central directory, before anything in it
is unpacked: a zip bomb is refused with one line instead of filling the memory."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.parsers.base import ParseOptions
from rag.errors import LimitExceeded, ParseError

# A smaller member cannot hurt whatever its ratio, and a few KB of repeated markup pack far tighter
# than a document's parts do.
_RATIO_FROM_BYTES = 1 << 20


def check_zip(path: Path, options: ParseOptions) -> None:
    """Refuse a container whose members, as declared, unpack past `max_unzipped_mb` in all or past
    `max_zip_ratio` each. A member that declares less than it holds gets past this check; what it
    inflates is then the parser process's memory limit's to stop."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as e:
        raise ParseError(f"corrupt or truncated ZIP container ({e})") from e
    if options.max_unzipped_mb is not None:
        total = sum(m.file_size for m in members)
        if total > options.max_unzipped_mb << 20:
            raise LimitExceeded(f"unpacks to {total / 2**20:,.0f} MB, over the limit of "
                                f"{options.max_unzipped_mb:,} MB", "max_unzipped_mb")
    if options.max_zip_ratio is not None:
        for m in members:
            ratio = m.file_size / max(m.compress_size, 1)
            if m.file_size >= _RATIO_FROM_BYTES and ratio > options.max_zip_ratio:
                raise LimitExceeded(f"ZIP member {m.filename[:80]!r} unpacks to {ratio:,.0f} times its packed "
                                    f"size, over the limit of {options.max_zip_ratio:g}", "max_zip_ratio")
