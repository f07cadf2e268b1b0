"""Failed sign-ins counted per user name and per client address; too many lock that key for a while.

`max_failures` failures, each within `lockout_seconds` of the one before, lock the key for
`lockout_seconds` from the last. While locked no password is checked at all (the right one is refused
too), so guessing goes no faster than `max_failures` per `lockout_seconds`. The counts live in a small
file next to the users file, shared by every browser session and every server process; when that file
cannot be written they are kept in this process only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rag.users.files import locked, write_private

logger = logging.getLogger(__name__)

T = TypeVar("T")
State = dict[str, list[float]]  # key -> [failures in a row, time of the last one]


class FailureLimiter:
    def __init__(self, path: Path | None, max_failures: int, lockout_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.max_failures = max_failures
        self.lockout = lockout_seconds
        self.clock = clock
        self._memory: State = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until none of `keys` is locked; 0 when none is."""
        now = self.clock()
        return self._update(lambda state: max((self._left(state.get(k), now) for k in keys), default=0.0),
                            write=False)

    def failed(self, *keys: str) -> None:
        now = self.clock()

        def count(state: State) -> None:
            for key in keys:
                failures, last = state.get(key, (0.0, 0.0))
                state[key] = [1.0 if now - last > self.lockout else failures + 1, now]

        self._update(count, write=True)

    def succeeded(self, key: str) -> None:
        self._update(lambda state: state.pop(key, None), write=True)

    def _left(self, entry: list[float] | None, now: float) -> float:
        if entry is None or entry[0] < self.max_failures:
            return 0.0
        return max(0.0, entry[1] + self.lockout - now)

    def _update(self, change: Callable[[State], T], write: bool) -> T:
        with self._lock:
            if self.path is not None:
                try:
                    with locked(self.path):
                        state = self._read(self.path)
                        result = change(state)
                        if write:
                            self._prune(state)
                            write_private(self.path, json.dumps(state, sort_keys=True))
                        return result
                except OSError as e:
                    logger.warning("sign-in failures kept in this process only: %s: %s", self.path,
                                   e.strerror or e)
                    self.path = None
            result = change(self._memory)
            self._prune(self._memory)
            return result

    def _read(self, path: Path) -> State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:  # a damaged file forgets old failures; it is written afresh
            logger.warning("sign-in failures file %s is damaged: starting afresh", path)
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [float(v[0]), float(v[1])] for k, v in data.items()
                if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int | float) for x in v)}

    def _prune(self, state: State) -> None:
        """Forget keys whose last failure is older than a lockout: the file holds only live counts."""
        now = self.clock()
        for key in [k for k, (_, last) in state.items() if now - last > self.lockout]:
            del state[key]
