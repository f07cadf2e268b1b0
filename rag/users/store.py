"""The users file: each user's name, groups and salted password hash, in TOML an admin can read.

    [users."alice"]
    groups = ["admins", "hr"]
    password = "$2b$12$..."

Names are unique ignoring case and found ignoring case ("Alice" signs in as alice). Every change is made
under a lock and written whole, mode 0600.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.access.groups import check_groups
from rag.errors import InvalidInput
from rag.text.display import printable
from rag.users.files import locked, write_private
from rag.users.names import check_name
from rag.users.passwords import is_hash
from rag.users.user import User

HEADER = ("# The users of the knowledge base page: change them with `python -m rag.users`.\n"
          "# Passwords are salted bcrypt hashes; this file is readable by its owner only.\n")


@dataclass(frozen=True)
class Account:
    name: str
    groups: frozenset[str]
    password_hash: str

    @property
    def user(self) -> User:
        return User(self.name, self.groups)

    @property
    def stamp(self) -> str:
        """Changes when the password does: a sign-in made with the old one ends. Not the hash itself,
        which stays in the file."""
        return hashlib.sha256(self.password_hash.encode("ascii")).hexdigest()[:16]


class UsersFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> dict[str, Account]:
        """Every account by its name folded to lower case; none when the file does not exist."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInput(f"users file {self.path}: cannot be read ({getattr(e, 'strerror', None) or e})") from e
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InvalidInput(f"users file {self.path}: not valid TOML ({e})") from e
        return {a.name.casefold(): a for a in self._accounts(data)}

    def _accounts(self, data: dict[str, Any]) -> Iterable[Account]:
        if set(data) - {"users"} or not isinstance(data.get("users", {}), dict):
            raise InvalidInput(f"users file {self.path}: only a [users.\"NAME\"] table per user is expected")
        seen: set[str] = set()
        for name, entry in data.get("users", {}).items():
            where = f"users file {self.path}, user '{printable(name)}'"
            try:
                check_name(name)
                if not isinstance(entry, dict) or set(entry) != {"groups", "password"}:
                    raise InvalidInput("needs exactly `groups` and `password`")
                groups, hashed = entry["groups"], entry["password"]
                if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                    raise InvalidInput("`groups` must be a list of names")
                if not isinstance(hashed, str) or not is_hash(hashed):
                    raise InvalidInput("`password` is not a bcrypt hash (set it with `python -m rag.users passwd`)")
                if name.casefold() in seen:
                    raise InvalidInput("listed twice (names are unique ignoring case)")
                account = Account(name, check_groups(groups), hashed)
            except InvalidInput as e:
                raise InvalidInput(f"{where}: {e}") from e
            seen.add(name.casefold())
            yield account

    def get(self, name: str) -> Account | None:
        return self.load().get(name.casefold())

    def add(self, name: str, groups: frozenset[str], password_hash: str) -> Account:
        account = Account(check_name(name), check_groups(groups), password_hash)

        def add(accounts: dict[str, Account]) -> None:
            if name.casefold() in accounts:
                raise InvalidInput(f"user {accounts[name.casefold()].name!r} exists already "
                                   "(change it with `passwd` or `groups`)")
            accounts[name.casefold()] = account

        self._change(add)
        return account

    def set_password(self, name: str, password_hash: str) -> None:
        self._change_one(name, lambda a: Account(a.name, a.groups, password_hash))

    def set_groups(self, name: str, groups: frozenset[str]) -> None:
        checked = check_groups(groups)
        self._change_one(name, lambda a: Account(a.name, checked, a.password_hash))

    def remove(self, name: str) -> None:
        self._change(lambda accounts: accounts.pop(self._key(accounts, name)))

    def _change_one(self, name: str, change: Callable[[Account], Account]) -> None:
        def apply(accounts: dict[str, Account]) -> None:
            key = self._key(accounts, name)
            accounts[key] = change(accounts[key])

        self._change(apply)

    def _key(self, accounts: dict[str, Account], name: str) -> str:
        if name.casefold() not in accounts:
            raise InvalidInput(f"no user named '{printable(name)}' in {self.path}")
        return name.casefold()

    def _change(self, change: Callable[[dict[str, Account]], object]) -> None:
        with locked(self.path):
            accounts = self.load()
            change(accounts)
            write_private(self.path, render(accounts.values()))


def render(accounts: Iterable[Account]) -> str:
    blocks = [f"[users.{_toml_string(a.name)}]\n"
              f"groups = [{', '.join(_toml_string(g) for g in sorted(a.groups))}]\n"
              f"password = {_toml_string(a.password_hash)}\n"
              for a in sorted(accounts, key=lambda a: a.name.casefold())]
    return HEADER + "".join("\n" + b for b in blocks)


def _toml_string(text: str) -> str:
    """A TOML basic string. Names are checked (no quote, backslash or control character), so this only
    guards: anything unusual is escaped."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
