"""The text teacher's reads of sampled footage frames, kept on disk so that a killed ``adapt`` resumes.

Reading is the slow step of ``adapt --teacher text`` (1-3 s a 720p frame on a CPU, 8-15 min for 300
frames). With a work folder (``--workdir``), every frame's read lines are appended to
``WORKDIR/reads.jsonl`` as soon as they are read, and flushed to disk. A run started again on the same
work folder, with the same reader, reuses them and reads only the frames it had not reached.

The file's first line names the reader that wrote it (:func:`reader_fingerprint`): the ONNX models,
the detection size, the score threshold and the catalogue's texts, all of which change what a read
returns. A file written by another reader is started afresh. A line cut short by a kill is skipped
(that frame is read again).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vision.inference.reader import TextLine, TextReader

#: Key of one sampled frame: (source file as given, time in seconds rounded to the millisecond).
FrameKey = tuple[str, float]


def reader_fingerprint(reader: TextReader) -> str:
    """Return a sha256 hex digest of what decides the reader's lines: its models, detection size (px),
    score threshold and the catalogue's texts (near misses are read again against them)."""
    from measure.hashing import sha256_text

    texts = {name: sorted(t) for name, t in reader.catalogue.texts().items()}
    return sha256_text(json.dumps([reader.sha256, reader.det_side, reader.min_score, texts], sort_keys=True))


class ReadCache(dict[FrameKey, list["TextLine"]]):
    """``{(source, t): lines read}``, a plain dict when ``path`` is None.

    With a ``path``, the entries a reader of the same ``fingerprint`` wrote there are loaded on
    creation (:attr:`loaded` counts them), and every entry set afterwards is appended to the file at
    once. A file of another fingerprint, or one that cannot be read, is replaced."""

    def __init__(self, path: str | Path | None = None, fingerprint: str = "") -> None:
        super().__init__()
        self.path = Path(path) if path is not None else None
        self.fingerprint = fingerprint
        self.loaded = 0
        if self.path is None:
            return
        if self.path.is_file() and self._load():
            self.loaded = len(self)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"reader": fingerprint}) + "\n", encoding="utf-8")

    def _load(self) -> bool:
        """Load the file's entries; return False when it was written by another reader (or is unreadable)."""
        from vision.inference.reader import TextLine

        assert self.path is not None
        try:
            text = self.path.read_text(encoding="utf-8")
            rows = text.splitlines()
            if not rows or json.loads(rows[0]).get("reader") != self.fingerprint:
                return False
            if not text.endswith("\n"):  # killed mid-line: the next entry starts on a line of its own
                with self.path.open("a", encoding="utf-8") as f:
                    f.write("\n")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            return False
        for row in rows[1:]:
            try:
                entry = json.loads(row)
                lines = [
                    TextLine(
                        np.asarray(ln["polygon"], np.float64).reshape(4, 2),
                        str(ln["text"]),
                        float(ln["score"]),
                    )
                    for ln in entry["lines"]
                ]
                super().__setitem__((str(entry["source"]), float(entry["t"])), lines)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue  # a line cut short by a kill: that frame is read again
        return True

    def __setitem__(self, key: FrameKey, lines: list[TextLine]) -> None:
        super().__setitem__(key, lines)
        if self.path is None:
            return
        entry = {
            "source": key[0],
            "t": key[1],
            "lines": [{"polygon": ln.polygon.tolist(), "text": ln.text, "score": ln.score} for ln in lines],
        }
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())
