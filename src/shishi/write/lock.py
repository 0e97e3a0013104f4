"""One writer at a time per ledger tree.

An OS advisory lock (flock) on .shishi/lock: the kernel drops it when the
holder dies, so a killed process never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

from shishi.errors import ShishiError
from shishi.i18n import tr
from shishi.store.tree import STATE_DIR


@contextmanager
def write_lock(root: Path, timeout: float = 60.0):
    import fcntl

    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    fd = os.open(state / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ShishiError(
                        tr(f"台账库正被另一个 shishi 命令写入，{timeout:.0f} 秒后仍未释放", f"another shishi command is writing this ledger tree; still busy after {timeout:.0f} s")
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)
