"""Who may read which file: `access.toml` at the root of the docs folder, read by the sync.

    [[rule]]
    path = "hr/**"
    groups = ["hr"]
    [[rule]]
    path = "**"
    groups = ["everyone"]   # every user, signed in or not

Globs are relative to the docs folder (`*` stays within a folder, `**` crosses folders, `?` is one
character); the first rule whose path matches a file decides its groups. A file no rule matches is
readable by nobody: a forgotten folder stays closed rather than open. Without the file every document
is open to everyone, as a single-user install expects.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rag.access.groups import EVERYONE, check_group
from rag.errors import InvalidInput

_RULE_KEYS = {"path", "groups"}


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A path glob as a regex over the whole relative path."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")  # zero or more folders
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass(frozen=True)
class Rule:
    path: str
    groups: tuple[str, ...]
    pattern: re.Pattern[str]

    def matches(self, rel: str) -> bool:
        return bool(self.pattern.match(rel))


@dataclass(frozen=True)
class AccessRules:
    rules: tuple[Rule, ...]
    source: Path | None = None  # None: no rules file, everything open to everyone

    def groups_for(self, rel: str) -> tuple[str, ...]:
        """The groups that may read `rel` (a path relative to the docs folder); () for nobody."""
        if self.source is None:
            return (EVERYONE,)
        return next((r.groups for r in self.rules if r.matches(rel)), ())

    @classmethod
    def parse(cls, text: str, source: Path) -> AccessRules:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InvalidInput(f"{source}: not valid TOML ({e})") from e
        unknown = set(raw) - {"rule"}
        if unknown:
            raise InvalidInput(f"{source}: unknown key {sorted(unknown)[0]!r}; rules are [[rule]] tables")
        entries = raw.get("rule", [])
        if not isinstance(entries, list):
            raise InvalidInput(f"{source}: 'rule' must be a list of [[rule]] tables")
        rules = []
        for n, entry in enumerate(entries, 1):
            where = f"{source}, rule {n}"
            if not isinstance(entry, dict):
                raise InvalidInput(f"{where}: not a table")
            if extra := set(entry) - _RULE_KEYS:
                raise InvalidInput(f"{where}: unknown key {sorted(extra)[0]!r}; a rule has path and groups")
            path, groups = entry.get("path"), entry.get("groups")
            if not isinstance(path, str) or not path.strip() or path.startswith("/") or ".." in path.split("/"):
                raise InvalidInput(f"{where}: path must be a glob relative to the docs folder, such as \"hr/**\"")
            if not isinstance(groups, list):
                raise InvalidInput(f'{where}: groups must be a list such as ["hr"]')
            names = tuple(dict.fromkeys(check_group(g, where) for g in groups))
            rules.append(Rule(path.strip(), names, glob_pattern(path.strip())))
        return cls(tuple(rules), source)

    @classmethod
    def load(cls, path: Path) -> AccessRules:
        """The rules in `path`; open rules when it does not exist; `InvalidInput` naming the problem."""
        if not path.exists():
            return cls(())
        if not path.is_file():
            raise InvalidInput(f"{path}: the access rules must be a file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInput(f"{path}: cannot read the access rules ({e})") from e
        return cls.parse(text, path)


def rules_path(docs_dir: Path, rules_file: Path | None) -> Path:
    return rules_file if rules_file is not None else docs_dir / "access.toml"
