"""What finds sponsors in a run: the YOLO model, the text reader, or both, from the command's options.

- weights only (or neither): the model (the shipped demo model by default);
- ``--sponsors`` and no weights: the text reader alone is the detector;
- weights and ``--sponsors``: the model, checked and completed by the reader. The model's class
  names join the catalogue, ``reads`` guessed from the artwork on its card (:func:`reader_beside`).

The reader reads each sponsor's artwork once (the catalogue's ``artwork``, else the model card's):
where its text sits in the logo (:meth:`TextReader.learn_artwork`), so that a sponsor found by
reading is boxed as its whole logo. The same artwork judges how much of each detected logo is hidden
(``Detectors.occlusion``, :mod:`vision.inference.occlusion`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure.catalogue import Catalogue, parse_catalogue
from vision.inference.checking import CheckedDetector, combined_names
from vision.inference.detector import DEFAULT_WEIGHTS, LogoDetector
from vision.inference.occlusion import ArtworkOcclusion
from vision.inference.reader import TextReader
from weights import WEIGHTS_DIR

#: Frames per second read when the reader alone is the detector and ``--sample-fps`` is not given:
#: a 720p frame takes about 1.3-2.5 s to read on a 2-core CPU, so 1 fps reads a match in 1.3-2.5 times
#: its length (``bench/reading_speed.py``: 0.41-0.79x real time), and each read stands for 1 s of the clock.
READ_ONLY_FPS = 1.0


@dataclass
class Detectors:
    """The detector a run calls (``detector``: a model or the reader), the reader beside a model
    (``reader``: None without a catalogue, or when the reader is the detector) and the judge of hidden
    logos (``occlusion``: None when no sponsor's artwork is known)."""

    detector: LogoDetector | TextReader
    reader: TextReader | None
    catalogue: Catalogue | None
    occlusion: ArtworkOcclusion | None = None

    def for_stills(
        self, check: bool = True, read: bool = True, unread: str = "auto"
    ) -> LogoDetector | TextReader | CheckedDetector:
        """Return the detector for still images (photos): the model checked (``check``, with the
        ``unread`` policy of :mod:`vision.inference.checking`) and completed by whole-image reads
        (``read``) when a reader is beside it, else the single detector."""
        if self.reader is None or not (check or read):
            return self.detector
        return CheckedDetector(self.detector, self.reader, check=check, read=read, unread=unread)

    def fingerprint(self) -> dict[str, Any]:
        """Return what identifies the detectors in a batch run key: the weights' sha256 (of both
        ONNX models for the reader), task and classes, plus the reader and the catalogue's texts
        beside a model, the catalogue's categories when it gives any, and where each sponsor's text
        sits in its artwork when the reader found any (they change the boxes of reads)."""
        from measure.hashing import sha256_path

        d = self.detector
        digest = getattr(d, "sha256", None) or sha256_path(d.weights)
        out: dict[str, Any] = {"sha256": digest, "task": d.task, "classes": list(d.names)}
        if self.reader is not None:
            out["reader"] = self.reader.sha256
            out["classes"] = combined_names(d.names, self.reader)
        if self.catalogue is not None:
            out["catalogue"] = {n: list(t) for n, t in self.catalogue.texts().items()}
            categories = {e.name: e.category for e in self.catalogue.sponsors if e.category}
            if categories:  # they change the numbers; a catalogue without any keeps its earlier key
                out["categories"] = categories
        reader = self.reader if self.reader is not None else d
        layouts = getattr(reader, "layouts", None)
        if layouts:  # a run without artwork keeps its earlier key
            out["layouts"] = {s: [v.x1, v.y1, v.x2, v.y2] for s, v in sorted(layouts.items())}
        if self.occlusion:  # hidden logos judged against their artwork change the numbers
            out["occlusion"] = self.occlusion.fingerprint()
        return out


def catalogue_artwork(catalogue: Catalogue) -> dict[str, list[str]]:
    """Return ``{sponsor: artwork files}`` of the catalogue's sponsors that give artwork.

    Raises :class:`measure.catalogue.CatalogueError` (a config error) naming the sponsor when a file is
    not on disk: reads of that sponsor would silently measure its lettering instead of its logo."""
    from measure.catalogue import CatalogueError

    for e in catalogue.sponsors:
        for i, f in enumerate(e.artwork):
            if not Path(f).is_file():
                raise CatalogueError(f"sponsors.{e.name}.artwork.{i}: no such file: {f}")
    return {e.name: list(e.artwork) for e in catalogue.sponsors if e.artwork}


def card_artwork(model: LogoDetector) -> dict[str, list[str]]:
    """Return ``{class: artwork files}`` from ``model``'s card, for the classes whose files are on disk
    (card paths are relative to the folder holding weights/; absolute ones stay as they are)."""
    card: dict[str, Any] = model.card or {}
    out = {
        c: [
            str(p)
            for p in (WEIGHTS_DIR.parent / f for f in card.get("artwork", {}).get(c, []))
            if p.is_file()
        ]
        for c in model.names
    }
    return {c: f for c, f in out.items() if f}


def open_detectors(
    weights: Path | None,
    sponsors: str | Path | None,
    conf: float = 0.25,
    imgsz: int = 640,
    device: str = "auto",
    trust_weights: bool = False,
    threads: int | None = None,
) -> Detectors:
    """Open the model and/or the text reader as the options ask (see the module doc)."""
    catalogue = parse_catalogue(sponsors) if sponsors is not None else None
    if catalogue is not None and weights is None:
        reader = TextReader(catalogue, device=device, threads=threads)
        artwork = catalogue_artwork(catalogue)
        reader.learn_artwork(artwork)
        return Detectors(reader, None, catalogue, _occlusion(artwork))
    model = LogoDetector(
        weights or DEFAULT_WEIGHTS,
        conf=conf,
        imgsz=imgsz,
        device=device,
        trust_weights=trust_weights,
        threads=threads,
    )
    card = card_artwork(model)
    if catalogue is None:
        return Detectors(model, None, None, _occlusion(card))
    reader = reader_beside(model, catalogue, device=device, threads=threads)
    return Detectors(model, reader, reader.catalogue, _occlusion({**card, **catalogue_artwork(catalogue)}))


def _occlusion(artwork: dict[str, list[str]]) -> ArtworkOcclusion | None:
    """Return the judge of hidden logos for the sponsors with ``artwork``; None when there is none."""
    judge = ArtworkOcclusion(artwork)
    return judge if judge else None


def reader_beside(
    model: LogoDetector, catalogue: Catalogue, device: str = "auto", threads: int | None = None
) -> TextReader:
    """Return the text reader that works beside ``model``: the catalogue joined by the model's class
    names. Each sponsor's artwork (the catalogue's, else the card's) is read once
    (:meth:`TextReader.learn_artwork`); ``reads`` of a class the catalogue does not describe is
    guessed from it: True when its artwork on the card reads, False when it does not."""
    card = card_artwork(model)
    reader = TextReader(catalogue.with_classes(model.names), device=device, threads=threads)
    layouts = reader.learn_artwork({**card, **catalogue_artwork(catalogue)})
    reads = {c: c in layouts for c in card}
    return reader.with_catalogue(catalogue.with_classes(model.names, reads=reads))
