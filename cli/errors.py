"""User-facing errors: one line on stderr and a documented exit code, never a traceback.

The exit codes and the typed errors that carry them live in :mod:`measure.errors`; this module maps
them at the command line's edge.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from measure.errors import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_MODEL,
    EXIT_OUTPUT,
    EXIT_PARTIAL_BATCH,
    EXIT_USAGE,
    SponsorLensError,
    error_line,
    exit_code,
    first_line,
)

__all__ = [
    "EXIT_CONFIG",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_MODEL",
    "EXIT_OUTPUT",
    "EXIT_PARTIAL_BATCH",
    "EXIT_USAGE",
    "UserError",
    "fail",
    "user_errors",
    "warn",
]

F = TypeVar("F", bound=Callable[..., Any])


class UserError(SponsorLensError):
    """An error the user can fix, raised by a command with its own exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.exit_code = code


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    from measure.paths import valid_text

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
            code = exit_code(exc)
            if code is None:
                raise fail(
                    f"{error_line(exc)} (set SPONSORLENS_DEBUG=1 for the traceback)", EXIT_INTERNAL
                ) from None
            raise fail(first_line(exc), code) from None

    return wrapper  # type: ignore[return-value]


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    from measure.paths import valid_text

    print(f"warning: {valid_text(message)}", file=sys.stderr)
