"""Entry point of the ``sponsorlens`` console script: imports every command onto the app."""

from cli import analyze as _analyze  # noqa: F401  (registers commands)
from cli.app import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
