"""Document and model text made safe for `st.markdown`: never HTML, no surprise math or images."""

from __future__ import annotations

import re

_ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_SPACES = re.compile(r"\s+")


def escape_md(text: str) -> str:
    """Show text literally in markdown: every ASCII punctuation mark backslash-escaped (CommonMark)."""
    return _ASCII_PUNCT.sub(r"\\\1", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Collapse a passage's line breaks (PDF layout) into one line, cut at `limit` characters."""
    flat = _SPACES.sub(" ", text).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0] + " …"
    return flat


def quote_md(text: str) -> str:
    """A passage as an escaped markdown block quote, line breaks kept."""
    lines = [escape_md(line.strip()) for line in text.strip().splitlines()]
    return "\n".join(f"> {line}  " if line else ">" for line in lines)


def answer_md(text: str) -> str:
    """Model text keeps its markdown (lists, bold), minus what could mislead or reach out:
    `$` would start LaTeX ("$5 to $10"), `![..](url)` would fetch a remote image. Streamlit escapes HTML."""
    return text.replace("$", r"\$").replace("![", r"!\[")
