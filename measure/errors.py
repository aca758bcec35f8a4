"""Typed errors: each carries the exit code the command line gives it, and the one line it prints.

Every error a user can fix derives from :class:`SponsorLensError`; the command line prints
``error: <first line>`` and exits with the error's ``exit_code``. Any other exception is a bug:
exit 1 (``internal error``). The codes (also in the docs' Inputs and errors page):

==  =====================================================================
0   success (a video damaged mid-stream still gives 0: see ``stopped``)
1   internal error (a bug: rerun with SPONSORLENS_DEBUG=1 for the traceback)
2   bad command line (typer's usage errors)
3   bad input: missing, unreadable, corrupt or empty video/image/logo files, bad option values
4   bad model: weights missing, unloadable or failing their checksum
5   bad config, rate card or sponsor catalogue
6   output cannot be written (read-only directory, full disk...)
7   a batch finished, but some sources failed (see the ``failures`` table)
==  =====================================================================

The input, model and config errors are also ``ValueError`` and the output error an ``OSError``,
so code that catches those keeps working.
"""

from __future__ import annotations

EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MODEL = 4
EXIT_CONFIG = 5
EXIT_OUTPUT = 6
EXIT_PARTIAL_BATCH = 7


class SponsorLensError(Exception):
    """An error the user can fix; ``exit_code`` is what the command line exits with."""

    exit_code: int = EXIT_INTERNAL


class InputError(SponsorLensError, ValueError):
    """A video, photo, logo or other input file, or an option's value, cannot be used (exit 3)."""

    exit_code = EXIT_INPUT


class ModelError(SponsorLensError, ValueError):
    """Model weights or the text reader's models are missing, unloadable or fail a check (exit 4)."""

    exit_code = EXIT_MODEL


class ConfigError(SponsorLensError, ValueError):
    """A config, rate card or sponsor catalogue is unreadable or invalid; the message names the
    field (exit 5)."""

    exit_code = EXIT_CONFIG


class OutputError(SponsorLensError, OSError):
    """An output cannot be written: read-only directory, full disk, not a directory... (exit 6)."""

    exit_code = EXIT_OUTPUT


def exit_code(exc: BaseException) -> int | None:
    """Return the exit code of a user error (a :class:`SponsorLensError`), or None for a bug."""
    return exc.exit_code if isinstance(exc, SponsorLensError) else None


def first_line(exc: BaseException) -> str:
    """Return the first non-blank line of an exception's message, stripped, or its type's name when
    the message is empty."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def error_line(exc: BaseException) -> str:
    """Return one line for an exception: its :func:`first_line` for a user error, prefixed with
    ``internal error`` and its type for a bug (not a :class:`SponsorLensError`)."""
    if exit_code(exc) is None:
        return f"internal error: {type(exc).__name__}: {first_line(exc)}"
    return first_line(exc)
