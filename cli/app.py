"""The typer application every command registers on."""

import signal
import threading
from types import FrameType

import typer

#: Exit code after SIGTERM (128 + the signal number, as shells report it).
EXIT_TERMINATED = 128 + signal.SIGTERM

app = typer.Typer(
    name="sponsorlens",
    help="Measure sponsor logo exposure in broadcasts and event photos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_TERMINATED)


@app.callback()
def _every_command() -> None:
    """Runs before every command: SIGTERM unwinds like Ctrl-C, so every ``finally`` and every
    temporary output folder is cleaned up, then the process exits with :data:`EXIT_TERMINATED`."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
