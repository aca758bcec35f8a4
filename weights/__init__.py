"""The shipped models (``*.pt``) with their model cards (``*.json``), and the demo sponsors' artwork.

They are package data: an editable install finds them in the checkout's ``weights/``, a wheel in
site-packages, both through :func:`importlib.resources.files`.
"""

from importlib.resources import files
from pathlib import Path

#: Folder of the shipped models, their cards and ``demo_artwork/``.
WEIGHTS_DIR = Path(str(files(__name__)))

__all__ = ["WEIGHTS_DIR"]
