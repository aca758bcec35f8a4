"""Real labelled frames in the YOLO folder layout: write them, read them, add them to a dataset.

One layout is shared by everything that hands real labels around: ``sponsorlens review`` writes
it for a person to correct, ``sponsorlens adapt`` writes its pseudo-labels in it, and
``sponsorlens train --labels DIR`` reads it::

    DIR/classes.txt          one sponsor name per line; line N is class id N
    DIR/images/NAME.jpg      frames (jpg, png, ...)
    DIR/labels/NAME.txt      one line per logo, "cls cx cy w h" normalised to 0..1 (YOLO detect);
                             an empty or missing file means "no onboarded sponsor in this frame"

Lines of 9 numbers (``cls x1 y1 ... x4 y4``, YOLO OBB) are read too. Any labelling tool that
exports YOLO files with a ``classes.txt`` (LabelImg, CVAT, Label Studio) writes this layout.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from measure.errors import InputError
from vision.io.discovery import IMAGE_SUFFIXES, is_image_path

if TYPE_CHECKING:
    from vision.inference.faces import Anonymiser


class LabelledDirError(InputError):
    """A labels folder is missing, malformed or names unknown sponsors (message says which file)."""


@dataclass(frozen=True)
class LabelledBox:
    """One labelled logo: sponsor name and corner points (4, 2) as fractions of width and height."""

    sponsor: str
    points: np.ndarray  # (4, 2) TL, TR, BR, BL for boxes; the oriented corners for OBB lines

    def yolo_line(self, cls: int, task: str) -> str:
        """Return the YOLO label line for class id ``cls``: a box (detect) or 4 corners (obb)."""
        p = np.clip(self.points, 0.0, 1.0)
        if task == "obb":
            return f"{cls} " + " ".join(f"{v:.6f}" for v in p.reshape(-1))
        (x1, y1), (x2, y2) = p.min(axis=0), p.max(axis=0)
        return f"{cls} {(x1 + x2) / 2:.6f} {(y1 + y2) / 2:.6f} {x2 - x1:.6f} {y2 - y1:.6f}"


@dataclass(frozen=True)
class LabelledFrame:
    """One frame of a labels folder: the image path and its boxes (empty: a negative frame)."""

    image: Path
    boxes: tuple[LabelledBox, ...]


def box_points(cx: float, cy: float, w: float, h: float) -> np.ndarray:
    """Return the (4, 2) corners TL, TR, BR, BL of a centre-size box (any units)."""
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float64)


def write_labelled(
    out_dir: str | Path,
    names: Sequence[str],
    frames: Sequence[tuple[str, np.ndarray, Sequence[tuple[int, Sequence[float]]]]],
    quality: int = 95,
) -> Path:
    """Write frames and their boxes as a labels folder; return ``out_dir``.

    ``frames`` holds ``(stem, image, boxes)``: ``image`` BGR uint8, ``boxes`` a list of
    ``(class id, xyxy pixels of that image)``. Existing files of the same stems are replaced.
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "classes.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    for stem, image, boxes in frames:
        h, w = image.shape[:2]
        if not cv2.imwrite(str(out / "images" / f"{stem}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f"{out / 'images' / stem}.jpg: could not write the frame")
        lines = []
        for cls, (x1, y1, x2, y2) in boxes:
            pts = box_points((x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h)
            lines.append(LabelledBox(names[cls], pts).yolo_line(cls, "detect"))
        (out / "labels" / f"{stem}.txt").write_text("".join(f"{ln}\n" for ln in lines))
    return out


def read_labelled(path: str | Path) -> list[LabelledFrame]:
    """Read a labels folder (layout in the module docstring); return its frames in name order.

    Raises :class:`LabelledDirError` naming the file and line of anything malformed.
    """
    root = Path(path)
    classes = root / "classes.txt"
    if not root.is_dir():
        raise LabelledDirError(f"{root}: --labels folder not found")
    if not classes.is_file():
        raise LabelledDirError(f"{classes}: missing (one sponsor name per line; line N is class N)")
    names = [ln.strip() for ln in classes.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not names:
        raise LabelledDirError(f"{classes}: names no class")
    images = sorted(
        p
        for p in (root / "images").glob("*")
        if is_image_path(p) and not p.name.startswith(".") and p.is_file()
    )
    if not images:
        raise LabelledDirError(f"{root / 'images'}: no images ({', '.join(IMAGE_SUFFIXES)})")
    frames = []
    for img in images:
        txt = root / "labels" / f"{img.stem}.txt"
        boxes = _read_label_file(txt, names) if txt.is_file() else []
        frames.append(LabelledFrame(img, tuple(boxes)))
    return frames


def _read_label_file(txt: Path, names: list[str]) -> list[LabelledBox]:
    boxes = []
    for n, line in enumerate(txt.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"{txt}:{n}"
        try:
            cls, values = int(parts[0]), [float(v) for v in parts[1:]]
        except ValueError:
            raise LabelledDirError(f"{where}: not numbers: {line!r}") from None
        if not 0 <= cls < len(names):
            raise LabelledDirError(f"{where}: class {cls} is not in classes.txt ({len(names)} names)")
        if len(values) == 4:
            pts = box_points(*values)
            if values[2] <= 0 or values[3] <= 0:
                raise LabelledDirError(f"{where}: box has no area")
        elif len(values) == 8:
            pts = np.asarray(values, np.float64).reshape(4, 2)
        else:
            raise LabelledDirError(f"{where}: expected 'cls cx cy w h' or 'cls x1 y1 ... x4 y4'")
        if pts.min() < -0.01 or pts.max() > 1.01:
            raise LabelledDirError(f"{where}: coordinates must be fractions of the image (0..1)")
        boxes.append(LabelledBox(names[cls], pts))
    return boxes


def read_for_training(dirs: Sequence[str | Path], names: Sequence[str]) -> list[list[LabelledFrame]]:
    """Read labels folders ``dirs`` and check that every sponsor they label is one of ``names``.

    Returns the frames of each folder. Raises :class:`LabelledDirError` before any training starts.
    """
    sets = []
    for d in dirs:
        items = read_labelled(d)
        unknown = sorted({b.sponsor for f in items for b in f.boxes} - set(names))
        if unknown:
            raise LabelledDirError(
                f"{d}: labels name sponsors that are not onboarded: {', '.join(unknown)} "
                f"(onboarded: {', '.join(names)})"
            )
        sets.append(items)
    return sets


def add_labelled(
    sets: Sequence[Sequence[LabelledFrame]],
    data_dir: str | Path,
    names: Sequence[str],
    task: str,
    repeat: int,
    anonymise: bool = True,
) -> dict[str, object]:
    """Add labelled frames (from :func:`read_for_training`) to the training split of a dataset.

    Each frame goes ``repeat`` times into ``data_dir/images/train`` with its label file re-numbered
    to the class ids of ``names``. With ``anonymise`` (the default) each frame is written once with
    its faces blurred, except inside its labelled boxes (:mod:`vision.inference.faces`), and the
    repeats are links to it; without, the user's file itself is linked (or copied). Returns what
    was added: frames, labelled instances per sponsor and ``repeat``.
    """
    from vision.inference.faces import anonymiser

    blur = anonymiser(anonymise) if any(sets) else None
    index = {n: i for i, n in enumerate(names)}
    data = Path(data_dir)
    frames = 0
    instances = dict.fromkeys(names, 0)
    for k, items in enumerate(sets):
        for f in items:
            text = "".join(f"{b.yolo_line(index[b.sponsor], task)}\n" for b in f.boxes)
            source = f.image
            for r in range(repeat):
                stem = f"real{k}_{r}_{f.image.stem}"
                if blur is not None and r == 0:
                    source = _write_anonymised(f, data / "images" / "train" / f"{stem}.jpg", blur)
                else:
                    suffix = source.suffix.lower() if source == f.image else ".jpg"
                    _link(source, data / "images" / "train" / f"{stem}{suffix}")
                (data / "labels" / "train" / f"{stem}.txt").write_text(text)
            frames += 1
            for b in f.boxes:
                instances[b.sponsor] += 1
    return {"frames": frames, "instances": instances, "repeat": repeat}


def auto_repeat(n_real: int, n_synthetic: int, share: float = 0.3, cap: int = 20) -> int:
    """Return how often to repeat ``n_real`` frames so they make about ``share`` of training images.

    A few reviewed frames would otherwise drown in thousands of synthetic ones. At most ``cap``.
    """
    if n_real <= 0:
        return 0
    want = share / (1.0 - share) * n_synthetic / n_real
    return int(max(1, min(cap, round(want))))


def _write_anonymised(frame: LabelledFrame, dst: Path, blur: Anonymiser) -> Path:
    """Write ``frame``'s picture to ``dst`` (JPEG) with its faces blurred, except inside its labelled
    boxes; return ``dst``. Read with OpenCV, as the trainer reads the files it is given."""
    image = cv2.imread(str(frame.image), cv2.IMREAD_COLOR)
    if image is None:
        raise LabelledDirError(f"{frame.image}: not a readable image")
    h, w = image.shape[:2]
    blur(image, [b.points * (w, h) for b in frame.boxes])
    if dst.exists():
        dst.unlink()
    if not cv2.imwrite(str(dst), image, [cv2.IMWRITE_JPEG_QUALITY, 95]):
        raise OSError(f"{dst}: could not write the frame")
    return dst


def _link(src: Path, dst: Path) -> None:
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
