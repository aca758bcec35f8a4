"""User-facing errors: one line on stderr and a documented exit code, never a traceback.

Exit codes (also in README.md):

==  =====================================================================
0   success (a video damaged mid-stream still gives 0: see ``stopped``)
1   internal error (a bug: rerun with SPONSORLENS_DEBUG=1 for the traceback)
2   bad command line (typer's usage errors)
3   bad input: missing, unreadable, corrupt or empty video/image/logo files
4   bad model: weights missing, unloadable or failing their checksum
5   bad config or rate card
6   output cannot be written (read-only directory, full disk...)
7   a batch finished, but some sources failed (see the ``failures`` table)
==  =====================================================================
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MODEL = 4
EXIT_CONFIG = 5
EXIT_OUTPUT = 6
EXIT_PARTIAL_BATCH = 7


class UserError(Exception):
    """An error the user can fix; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _classify(exc: BaseException) -> int | None:
    """Return the exit code for a known user error, or None for a bug."""
    from measure.settings import ConfigError
    from measure.store import OutputError

    if isinstance(exc, UserError):
        return exc.code
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    name = type(exc).__name__
    if name == "WeightsError":
        return EXIT_MODEL
    if name in ("SourceError", "ImageError", "ArtworkError"):
        return EXIT_INPUT
    if isinstance(exc, ValueError | FileNotFoundError):
        return EXIT_INPUT
    if isinstance(exc, OSError) and exc.errno is not None:
        return EXIT_OUTPUT
    return None


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    from measure.store import valid_text

    typer.echo(f"error: {valid_text(message)}", err=True)
    return typer.Exit(code)


def user_errors(func: F) -> F:
    """Decorate a command so known errors become one line on stderr and their exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("SPONSORLENS_DEBUG"):
                raise
            code = _classify(exc)
            if code is None:
                msg = (
                    f"internal error: {type(exc).__name__}: {exc} (set SPONSORLENS_DEBUG=1 for the traceback)"
                )
                raise fail(msg, EXIT_INTERNAL) from None
            raise fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, code) from None

    return wrapper  # type: ignore[return-value]


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    from measure.store import valid_text

    print(f"warning: {valid_text(message)}", file=sys.stderr)
