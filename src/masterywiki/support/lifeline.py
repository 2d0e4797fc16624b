"""Helper processes that end with the process that started them (Linux).

A server worker starts `masterywiki reindex --if-missing` and waits for it, and that
command forks its own workers. A server killed (a deploy, an out-of-memory kill, a
crash) left them running: indexing on the machine's cores, for up to an hour, an
instance that might be gone, beside the next start's own build. Linux can send a
process a signal when the thread that started it ends (`prctl(PR_SET_PDEATHSIG)`);
each helper asks for SIGTERM, whose default action ends it at once. Elsewhere this
does nothing, and helpers run to their end as before.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with(parent: int) -> bool:
    """End this process (SIGTERM) when `parent`, the process that started it, ends; at
    once if it has ended already. False where the system cannot tell (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    # The parent may have ended before the signal was asked for: then nothing sends it.
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)
    return True
