"""What a user name and a password may be; each check answers bad input with one line."""

from __future__ import annotations

import re

from rag.errors import InvalidInput
from rag.text.display import printable

MAX_NAME_CHARS = 64
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further (bcrypt 5 refuses longer ones)
# Letters (any script), digits and . _ @ + -: a login or an e-mail address, never a space, comma or control
# character, so a name prints on one line (group names: rag/access/groups.py).
_NAME = re.compile(r"[\w.@+-]+")


def check_name(name: str) -> str:
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InvalidInput(f"user name '{printable(name[:MAX_NAME_CHARS])}': 1 to {MAX_NAME_CHARS} characters")
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"user name '{printable(name)}': letters, digits and . _ @ + - only")
    return name


def check_password(password: str, min_chars: int) -> str:
    if len(password) < min_chars:
        raise InvalidInput(f"the password is too short: at least {min_chars} characters")
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput("the password is not valid text (UTF-8)") from None
    if size > MAX_PASSWORD_BYTES:
        raise InvalidInput(f"the password is too long: at most {MAX_PASSWORD_BYTES} bytes (UTF-8)")
    if any(ch in password for ch in "\x00\r\n"):
        raise InvalidInput("the password holds a NUL or line break")
    return password
