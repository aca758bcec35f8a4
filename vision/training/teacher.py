"""The text teacher of ``sponsorlens adapt``: pseudo-labels read, not detected.

Self-training on the model's own sure detections (``--teacher model``) can only confirm what the
model already finds, mistakes included. The text teacher labels the footage with the pretrained text
reader (:class:`vision.inference.reader.TextReader`, RapidOCR's PP-OCRv6 models): a different model, trained
on other data, so its labels are independent of the YOLO model's mistakes. It finds the sponsors
whose mark carries their name.

The reader boxes the *text* of a logo; the model is trained to box the *whole artwork* (icon
included). Each sponsor's own artwork says where its text sits inside it: :func:`text_layout` reads
the artwork once and returns a :class:`TextLayout`, and :func:`widen` turns a text box read on
screen into the artwork box that puts the text where the artwork has it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from measure.errors import InputError, ModelError
from vision.inference.artwork_text import TextLayout, entry_name, fits_layout, text_layouts, widen_polygon

if TYPE_CHECKING:
    from measure.catalogue import Catalogue
    from vision.inference.reader import TextLine, TextReader

#: Text pseudo-labels need this confidence (recognition score x match score), [0, 1].
TEXT_MIN_CONF = 0.8


@dataclass(frozen=True)
class TextLabel:
    """One sponsor read in a frame: ``cls`` (index into the model's class names), ``conf``
    (recognition score x match score, [0, 1]), ``xyxy`` the widened box in pixels, clipped to the
    frame, and ``widened`` whether a layout gave it (else it is the text box itself)."""

    cls: int
    conf: float
    xyxy: tuple[float, float, float, float]
    widened: bool


def class_index(catalogue: Catalogue, names: Sequence[str]) -> dict[str, int]:
    """Return ``{catalogue sponsor name: index into names}`` for each of the model's class ``names``
    that a catalogue entry names (by its name or an alias, case-insensitively)."""
    out: dict[str, int] = {}
    for i, n in enumerate(names):
        out.setdefault(entry_name(catalogue, n), i)
    return out


def widen(
    text_xyxy: Sequence[float] | np.ndarray, layout: TextLayout | None
) -> tuple[float, float, float, float]:
    """Return the whole-logo xyxy box (pixels) that puts the text box ``text_xyxy`` (pixels) where
    ``layout`` has the text in the artwork (:func:`widen_polygon`); without a layout, the text box itself.
    """
    tx1, ty1, tx2, ty2 = (float(v) for v in text_xyxy)
    if layout is None:
        return tx1, ty1, tx2, ty2
    logo = widen_polygon(np.array([[tx1, ty1], [tx2, ty1], [tx2, ty2], [tx1, ty2]]), layout)
    (x1, y1), (x2, y2) = logo.min(axis=0), logo.max(axis=0)
    return float(x1), float(y1), float(x2), float(y2)


def read_labels(
    reader: TextReader,
    image: np.ndarray,
    names: Sequence[str],
    layouts: Mapping[str, TextLayout],
    lines: Sequence[TextLine] | None = None,
) -> list[TextLabel]:
    """Return every sponsor of ``names`` (the model's classes) the reader names in the BGR ``image``,
    at any confidence, boxed as :func:`text_pseudo_labels` boxes them (see there).

    ``layouts`` is keyed by class name. Only whole names count (a line cut by the frame edge is not
    matched on a prefix or suffix: its text box is not the whole text). A line much longer or
    shorter than the artwork's text (or, without a layout, than the matched name) is kept with its
    text box unwidened and ``widened`` False. ``lines`` are the image's lines when already read.
    """
    h, w = image.shape[:2]
    index = class_index(reader.catalogue, names)
    found: list[TextLabel] = []
    for line in reader.read_lines(image) if lines is None else lines:
        (x1, y1), (x2, y2) = line.polygon.min(axis=0), line.polygon.max(axis=0)
        for m in reader.matcher.match_all(line.text, at_edge=False):
            cls = index.get(m.sponsor)
            if cls is None:
                continue
            layout = layouts.get(names[cls])
            fits = fits_layout(line.text, layout.text if layout is not None and layout.text else m.text)
            box = widen((x1, y1, x2, y2), layout if fits else None)
            bx1, bx2 = np.clip([box[0], box[2]], 0.0, float(w))
            by1, by2 = np.clip([box[1], box[3]], 0.0, float(h))
            if bx2 - bx1 < 1 or by2 - by1 < 1:
                continue
            box = (float(bx1), float(by1), float(bx2), float(by2))
            widened = fits and layout is not None
            found.append(TextLabel(cls, float(line.score * m.score), box, widened))
    return found


def sure_labels(
    labels: Sequence[TextLabel],
    layouts: Mapping[str, TextLayout],
    names: Sequence[str],
    min_conf: float = TEXT_MIN_CONF,
) -> list[TextLabel]:
    """Return the ``labels`` fit to train on: confidence >= ``min_conf`` and, for a sponsor with a
    layout, widened with it (a text box of a sponsor whose artwork has more than text is not the box
    the model learns)."""
    return [lb for lb in labels if lb.conf >= min_conf and (lb.widened or names[lb.cls] not in layouts)]


def text_pseudo_labels(
    reader: TextReader,
    image: np.ndarray,
    names: Sequence[str],
    layouts: Mapping[str, TextLayout],
    min_conf: float = TEXT_MIN_CONF,
) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Return pseudo-labels read in the BGR ``image``: ``(class index into names, xyxy pixels)``.

    The reader reads the frame; each line naming a sponsor of ``names`` (the model's classes) with
    confidence (recognition x match score) >= ``min_conf`` gives the box of the whole logo: its text
    box widened with the sponsor's layout (:func:`widen`; ``layouts`` keyed by class name; without
    one, the text box itself), clipped to the frame. A line whose length does not fit the artwork's
    text gives no label. The reader is a different, pretrained model: these labels are independent
    of the YOLO model's mistakes, which self-training would otherwise reinforce.
    """
    labels = read_labels(reader, image, names, layouts)
    return [(lb.cls, lb.xyxy) for lb in sure_labels(labels, layouts, names, min_conf)]


#: The ``--teacher`` choices: ``auto`` is ``text`` when some sponsor's artwork reads, else ``model``.
TEACHERS = ("auto", "text", "model")


@dataclass
class TeacherPlan:
    """The teacher ``adapt`` uses (``"text"`` or ``"model"``), with the reader and the layouts (keyed
    by class name) for the text teacher (None and empty for the model teacher), and ``why`` a
    one-line reason for the choice."""

    teacher: str
    reader: TextReader | None
    layouts: dict[str, TextLayout]
    why: str


def check_teacher(teacher: str) -> str:
    """Return ``teacher`` when it is one of :data:`TEACHERS`; raise ValueError naming the option."""
    if teacher not in TEACHERS:
        raise InputError(f"--teacher must be one of {', '.join(TEACHERS)}, got {teacher!r}")
    return teacher


def text_catalogue(names: Sequence[str], sponsors: str | Path | None) -> Catalogue:
    """Return the catalogue the text teacher reads: the ``--sponsors`` catalogue (comma list or file)
    joined with the model's class ``names``, or the class names alone when ``sponsors`` is None."""
    from measure.catalogue import Catalogue, SponsorEntry, parse_catalogue

    if sponsors is not None:
        return parse_catalogue(sponsors).with_classes(names)
    if not names:
        raise ModelError("the model has no classes")
    return Catalogue(sponsors=(SponsorEntry(name=names[0]),)).with_classes(names)


def plan_teacher(
    teacher: str,
    names: Sequence[str],
    logos_dir: str | Path,
    sponsors: str | Path | None = None,
    device: str = "auto",
) -> TeacherPlan:
    """Decide the teacher for a model of class ``names`` onboarded from ``logos_dir``; return the plan.

    For ``text`` and ``auto`` the reader opens the catalogue (:func:`text_catalogue`) and reads each
    class's artwork in ``logos_dir`` once (:func:`text_layouts`); a class whose artwork does not read
    is taken as not reading unless the catalogue says it does. ``auto`` is ``text`` when at least one
    class's artwork reads, else ``model`` (also when the reader cannot run). ``text`` fails with
    ValueError when no sponsor reads at all.
    """
    from measure.catalogue import CatalogueError
    from vision.inference.reader import ReaderError, TextReader
    from vision.io.artwork import load_logos

    check_teacher(teacher)
    if teacher == "model":
        return TeacherPlan("model", None, {}, "asked for")
    try:
        catalogue = text_catalogue(names, sponsors)
        reader = TextReader(catalogue, device=device)
    except (ReaderError, ValueError) as e:
        if teacher == "text" or isinstance(e, CatalogueError):
            raise
        return TeacherPlan("model", None, {}, f"the text reader cannot run ({e})")
    logos = load_logos(logos_dir)
    artwork = {s: [lg.path for lg in logos[s]] for s in names if s in logos}
    layouts = text_layouts(reader, artwork)
    guessed = catalogue.with_classes(names, reads={s: s in layouts for s in artwork})
    if not guessed.readable():
        if teacher == "text":
            raise InputError(
                "--teacher text: no sponsor reads (no artwork reads and the catalogue says none does)"
            )
        return TeacherPlan("model", None, {}, "no sponsor's artwork reads")
    reader = reader.with_catalogue(guessed)
    if teacher == "auto" and not layouts:
        return TeacherPlan("model", None, {}, "no sponsor's artwork reads")
    why = f"artwork reads for {', '.join(layouts)}" if layouts else "asked for (no artwork reads: text boxes)"
    return TeacherPlan("text", reader, layouts, why)
