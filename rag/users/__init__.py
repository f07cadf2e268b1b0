"""Who is asking: the users file (`python -m rag.users`), passwords, sign-in limits, the `User` the page and
the engine share."""

from rag.users.user import ADMINS, ANONYMOUS, User

__all__ = ["ADMINS", "ANONYMOUS", "User"]
