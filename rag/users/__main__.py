"""`python -m rag.users add NAME --groups hr,staff | passwd NAME | groups NAME --set a,b | remove NAME | list`.

Edits the users file (`auth.users_file`, RAG_USERS_FILE) the page signs people in against; members of the
`admins` group get the upload-and-sync panel. Passwords are asked twice on the terminal, or read from the
first line of stdin with `--password-stdin` (for scripts). Exit codes: 0 done, 2 bad input (one line).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from rag.access.groups import parse_groups
from rag.errors import InvalidInput
from rag.logs import cli_errors, configure_logging
from rag.settings import AuthSettings, load_settings
from rag.users.names import check_name, check_password
from rag.users.passwords import hash_password
from rag.users.store import Account, UsersFile

logger = logging.getLogger("rag.users")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag.users", description=__doc__.split("\n\n")[0])
    p.add_argument("--users-file", type=Path, metavar="PATH", help="the users file (default: RAG_USERS_FILE "
                   "or data/users.toml)")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a user with a password and groups")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--groups", default="", metavar="A,B", help="comma-separated groups (admins: the page's "
                     "upload panel)")
    passwd = sub.add_parser("passwd", help="set a user's password (signs out the old one's sessions)")
    passwd.add_argument("name", metavar="NAME")
    for command in (add, passwd):
        command.add_argument("--password-stdin", action="store_true",
                             help="read the password from the first line of stdin instead of asking")
    groups = sub.add_parser("groups", help="show a user's groups, or replace them with --set")
    groups.add_argument("name", metavar="NAME")
    groups.add_argument("--set", dest="new_groups", metavar="A,B", help="the new groups, comma-separated "
                        "('' for none)")
    sub.add_parser("list", help="every user and their groups (never a password hash)")
    remove = sub.add_parser("remove", help="remove a user")
    remove.add_argument("name", metavar="NAME")
    return p


@cli_errors("python -m rag.users", prefix="users")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"users_file": args.users_file.resolve()} if args.users_file else {}
    settings = load_settings(**overrides)
    configure_logging(settings)
    users = UsersFile(settings.auth.users_file)
    if args.command == "list":
        _list(users)
    else:
        COMMANDS[args.command](users, check_name(args.name), args, settings.auth)
    return 0


def _list(users: UsersFile) -> None:
    accounts = sorted(users.load().values(), key=lambda a: a.name.casefold())
    width = max((len(a.name) for a in accounts), default=0)
    for a in accounts:
        print(f"{a.name:{width}}  {','.join(sorted(a.groups)) or '-'}")
    if not accounts:
        print(f"no users in {users.path}", file=sys.stderr)


def _add(users: UsersFile, name: str, args: argparse.Namespace, auth: AuthSettings) -> None:
    groups = parse_groups(args.groups)
    existing = users.get(name)
    if existing is not None:  # said before the password is asked: the add would fail anyway
        raise InvalidInput(f"user {existing.name!r} exists already (change it with `passwd` or `groups`)")
    password = read_password(name, auth, args.password_stdin)
    account = users.add(name, groups, hash_password(password, auth.bcrypt_rounds))
    logger.info("user %s added to %s, groups %s", account.name, users.path, sorted(account.groups))
    print(f"added {account.name} (groups: {_groups(account.groups)}) to {users.path}")


def _passwd(users: UsersFile, name: str, args: argparse.Namespace, auth: AuthSettings) -> None:
    account = _existing(users, name)
    password = read_password(account.name, auth, args.password_stdin)
    users.set_password(name, hash_password(password, auth.bcrypt_rounds))
    logger.info("password of %s changed in %s", account.name, users.path)
    print(f"password of {account.name} changed: pages signed in with the old one sign out at their next action")


def _groups_command(users: UsersFile, name: str, args: argparse.Namespace, auth: AuthSettings) -> None:
    if args.new_groups is not None:
        users.set_groups(name, parse_groups(args.new_groups))
    account = _existing(users, name)
    if args.new_groups is not None:
        logger.info("groups of %s set to %s in %s", account.name, sorted(account.groups), users.path)
    print(f"{account.name}: {_groups(account.groups)}")


def _remove(users: UsersFile, name: str, args: argparse.Namespace, auth: AuthSettings) -> None:
    account = _existing(users, name)
    users.remove(name)
    logger.info("user %s removed from %s", account.name, users.path)
    print(f"removed {account.name} from {users.path}")


def _existing(users: UsersFile, name: str) -> Account:
    account = users.get(name)
    if account is None:
        raise InvalidInput(f"no user named {name!r} in {users.path}")
    return account


COMMANDS: dict[str, Callable[[UsersFile, str, argparse.Namespace, AuthSettings], None]] = {
    "add": _add, "passwd": _passwd, "groups": _groups_command, "remove": _remove,
}


def read_password(name: str, auth: AuthSettings, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask the password on: pipe it in with --password-stdin")
    else:
        try:
            password = getpass.getpass(f"Password for {name}: ")
            if getpass.getpass("The same password again: ") != password:
                raise InvalidInput("the two passwords differ; nothing was changed")
        except (EOFError, KeyboardInterrupt):
            raise InvalidInput("no password given; nothing was changed") from None
    return check_password(password, auth.password_min_chars)


def _groups(groups: frozenset[str]) -> str:
    return ", ".join(sorted(groups)) if groups else "none"


if __name__ == "__main__":
    sys.exit(main())
