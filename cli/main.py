"""Entry point of the ``sponsorlens`` console script: imports every command onto the app."""

from cli import adapt_cmd as _adapt_cmd  # noqa: F401  (registers adapt)
from cli import analyze as _analyze  # noqa: F401  (registers commands)
from cli import batch as _batch  # noqa: F401  (registers batch, totals)
from cli import demo as _demo  # noqa: F401
from cli import export_cmd as _export_cmd  # noqa: F401  (registers export)
from cli import photos as _photos  # noqa: F401  (registers photos)
from cli import report_cmd as _report_cmd  # noqa: F401  (registers report, compare)
from cli import review_cmd as _review_cmd  # noqa: F401  (registers review)
from cli import train_cmd as _train_cmd  # noqa: F401
from cli.app import app
from cli.roi import roi_app
from vision.memory import return_freed_memory_to_os

app.add_typer(roi_app, name="roi")
return_freed_memory_to_os()

__all__ = ["app"]

if __name__ == "__main__":
    app()
