"""One sign-in attempt against the users file, counted by the failure limiter. The answer never tells a
wrong name from a wrong password: the same refusal, the same time (a dummy hash is checked for an
unknown name), the same locks (failures count for names that do not exist too)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rag.errors import InvalidInput
from rag.settings import AuthSettings
from rag.text.display import printable
from rag.users.names import MAX_NAME_CHARS, check_name
from rag.users.passwords import verify
from rag.users.ratelimit import FailureLimiter
from rag.users.store import Account, UsersFile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    account: Account | None = None  # signed in as this account
    wait: float = 0.0  # locked: seconds until a sign-in is tried again


def failures_file(users_file: Path) -> Path:
    """Next to the users file, so every server process on it shares the counts."""
    return users_file.with_name(users_file.stem + ".signin-failures.json")


class Gate:
    def __init__(self, auth: AuthSettings, limiter: FailureLimiter | None = None) -> None:
        self.auth = auth
        self.users = UsersFile(auth.users_file)
        self.limiter = limiter or FailureLimiter(failures_file(auth.users_file), auth.max_failed_signins,
                                                 auth.lockout_seconds)

    def attempt(self, name: str, password: str, client: str) -> Outcome:
        """`client`: the address the attempt comes from. A bad users file raises InvalidInput."""
        name = name.strip()
        keys = (f"name:{name[:MAX_NAME_CHARS].casefold()}", f"client:{client}")
        wait = self.limiter.wait(*keys)
        if wait:
            logger.warning("sign-in as '%s' from %s refused unchecked: locked for %.0f s more",
                           printable(name[:MAX_NAME_CHARS]), printable(client), wait)
            return Outcome(wait=wait)
        account = self.users.get(name) if _valid(name) else None
        if verify(password, account.password_hash if account else None, self.auth.bcrypt_rounds):
            assert account is not None
            self.limiter.succeeded(keys[0])
            logger.info("signed in: %s from %s", account.name, printable(client))
            return Outcome(account)
        self.limiter.failed(*keys)
        logger.warning("failed sign-in as '%s' from %s", printable(name[:MAX_NAME_CHARS]), printable(client))
        return Outcome()


def _valid(name: str) -> bool:
    try:
        check_name(name)
    except InvalidInput:
        return False
    return True
