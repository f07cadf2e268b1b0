"""Document and model text made safe for `st.markdown`: never HTML, no surprise math, images or links."""

from __future__ import annotations

import re
from collections.abc import Iterable

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


# Everything in model text that markdown (CommonMark + GFM, as Streamlit renders it) could turn into a
# link or an image. Each kind is matched whole, so it is either rebuilt as a link we chose or shown inert.
_URL_CHAR = r"[!#$%&()*+,\-./0-9:;=?@A-Z^_a-z{|}~]"  # ASCII: where a pasted URL ends in CJK text
_LINKS = re.compile(
    r"!?\[(?P<label>[^\[\]\n]*)\]\(\s*"  # [label](dest "title"), and ![alt](dest): an image becomes its alt text
    r"(?:<(?P<angled>[^<>\n`]*)>|(?P<dest>(?:[^\s()<>`\\]|\([^\s()<>`\\]*\))*))"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"
    r"|<(?P<auto>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>`]*|[^\s<>@`]+@[^\s<>`]+)>"  # <scheme:…>, <a@b.c>
    rf"|(?P<bare>(?i:[a-z][a-z0-9+.\-]*://|www\.|mailto:|xmpp:){_URL_CHAR}*)"  # GFM autolinks these
    r"|(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-_]+(?:\.[A-Za-z0-9\-_]+)+)"
)
_TRAILING = ".,:;!?*_~'\""  # GFM leaves these, and an unbalanced ")", out of a bare URL
_SCHEME = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
# A citation marker stays as it is; any other "[" could open a link or a reference definition.
_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\](?![(\[:])")
_TEXT_SPECIAL = re.compile(r"[\\`$<\[]")


def _bare_url(match: re.Match[str]) -> str:
    url = match.group("bare").rstrip(_TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_TRAILING)
    return url


def url_key(url: str) -> str:
    """How two spellings of one address compare: no scheme, case or trailing slash."""
    return _SCHEME.sub("", url.strip()).rstrip("/").lower()


def _address(m: re.Match[str]) -> str:
    if m.group("bare"):
        return _bare_url(m)
    return m.group("angled") or m.group("dest") or m.group("auto") or m.group("email") or ""


def urls_in(texts: Iterable[str]) -> set[str]:
    """The addresses (URLs, e-mail addresses) written in these texts, as `url_key`s."""
    return {url_key(url) for text in texts for m in _LINKS.finditer(text) if (url := _address(m))}


def _escape_text(text: str) -> str:
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        out.append(_TEXT_SPECIAL.sub(r"\\\g<0>", text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_TEXT_SPECIAL.sub(r"\\\g<0>", text[pos:]))
    return "".join(out)


def _inert(url: str) -> str:
    return f"`{url}`"  # a code span: never a link, and the address can still be read and copied


def _href(url: str) -> str | None:
    """Where a link to this address may go: the web or e-mail only (no javascript:, data:, file:)."""
    low = url.lower()
    if low.startswith(("http://", "https://", "mailto:")):
        return url
    if low.startswith("www."):
        return f"http://{url}"
    return f"mailto:{url}" if "@" in url and not re.search(r"[:/]", url) else None


def _render(text: str, allowed: set[str]) -> str:
    out, pos = [], 0
    for m in _LINKS.finditer(text):
        out.append(_escape_text(text[pos : m.start()]))
        url, label = _address(m), m.group("label") or ""
        pos = m.start() + len(url) if m.group("bare") else m.end()  # trailing punctuation stays text
        href = _href(url)
        if href and url_key(url) in allowed:
            out.append(f"[{escape_md(label or url)}](<{href}>)")
        elif label and url and label.strip() != url:
            out.append(f"{_render(label, allowed)} ({_inert(url)})")
        else:
            out.append(_inert(url) if url else _render(label, allowed))
    out.append(_escape_text(text[pos:]))
    return "".join(out)


def answer_md(text: str, sources: Iterable[str] = ()) -> str:
    """Model text keeps its markdown (lists, bold), minus what could mislead or reach out: no HTML, no
    images, no `$` math ("$5 to $10"), and a live link only to an address written in `sources` (the
    cited passages' texts); any other URL or e-mail address is shown as inert text."""
    return _render(text, urls_in(sources))
