"""Child processes that die with their parent, so no worker outlives a killed ``sponsorlens``.

A process killed with SIGKILL runs no clean-up of its own, so its children must notice by
themselves. Two mechanisms, used together:

- Linux's ``PR_SET_PDEATHSIG``: the kernel sends the child SIGKILL when its parent ends.
- A watchdog thread that checks the parent's process id twice a second (other systems, and a
  backstop for a parent whose spawning thread ended before it did).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
#: Seconds between the watchdog's checks of the parent.
POLL_S = 0.5
_hooked = False


def _set_pdeathsig() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; return whether that took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent: int | None = None) -> None:
    """Make this (child) process end within :data:`POLL_S` seconds of its parent's death.

    ``parent`` is the parent's process id as the parent saw it (``os.getpid()`` there, passed to
    the child); it guards against a parent that died before this call. Returns nothing; a process
    whose parent is already gone kills itself at once.
    """
    parent = os.getppid() if parent is None else parent
    _set_pdeathsig()
    if os.getppid() != parent:  # the parent died before the request took
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch, args=(parent,), name="die-with-parent", daemon=True).start()


def forked_children_die_with_parent() -> None:
    """Make every process this one forks from now on die with it (``PR_SET_PDEATHSIG`` after fork).

    For children created by libraries (PyTorch's data-loader workers during training). Idempotent;
    returns nothing.
    """
    global _hooked
    if not _hooked and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_set_pdeathsig)
        _hooked = True


def _reap(parent: int) -> None:
    """Body of the reaper process: while ``parent`` lives, note its descendants; then kill them."""
    import psutil

    me = os.getpid()
    known: dict[int, float] = {}  # pid -> create time, so a reused pid is never killed
    try:
        root = psutil.Process(parent)
        while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
            for kid in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    known.setdefault(kid.pid, kid.create_time())
            time.sleep(POLL_S / 2)
    except psutil.Error:
        pass
    for pid, created in known.items():
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(pid)
            if pid != me and p.create_time() == created:
                p.kill()


def start_reaper() -> subprocess.Popen[bytes]:
    """Start a watchdog process that kills every descendant of this process once this one dies.

    For process trees this process does not control (a local Ray instance: its raylet, agents and
    workers), whose members do not all die with their parent by themselves. It notes the
    descendants twice a second and, when this process is gone (SIGKILL included), kills them
    within about a second. Returns the reaper; stop it with ``.kill()`` after a clean shutdown.
    """
    return subprocess.Popen(
        [sys.executable, "-c", f"from vision.processes import _reap; _reap({os.getpid()})"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C in the terminal is for the parent, not for it
    )
