"""Self-training on the user's unlabelled footage (``sponsorlens adapt``).

Each round runs the current model over the footage (:func:`vision.training.footage.sample_footage`), takes
pseudo-labels from a *teacher*, and fine-tunes on them mixed with freshly synthesised scenes. The
sampled frames also serve as real backgrounds for the synthesis. The next round starts from the
model this round wrote.

Two teachers:

- ``model``: the model's own sure detections (:func:`vision.training.footage.pseudo_labelled`), plain
  self-training, which can only confirm what the model already finds;
- ``text``: the pretrained text reader's reads of the sponsors' names, widened to the whole logo
  with each sponsor's artwork (:mod:`vision.training.teacher`): labels independent of the model's mistakes.
  The model's detections the text labels do not cover are hidden, as uncertain ones are.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from measure.errors import InputError
from measure.geometry import box_iou
from vision.inference.artwork_text import TextLayout
from vision.training.footage import (
    FootageFrame,
    PseudoRule,
    hide_boxes,
    pseudo_labelled,
    sample_footage,
    sure_mask,
)
from vision.training.labelled import write_labelled
from vision.training.read_cache import ReadCache, reader_fingerprint
from vision.training.teacher import TEXT_MIN_CONF, check_teacher, plan_teacher, read_labels, sure_labels

if TYPE_CHECKING:
    from vision.inference.reader import TextReader

#: A model detection is covered by a text label of its sponsor overlapping it at least this much (IoU);
#: uncovered ones are hidden from the text teacher's frames.
COVER_IOU = 0.3


def pseudo_label_round(
    sources: Sequence[str | Path],
    weights: str | Path,
    out_dir: str | Path,
    rule: PseudoRule,
    *,
    low_conf: float = 0.1,
    imgsz: int = 640,
    device: str = "auto",
    sample_fps: float = 1.0,
    max_frames: int = 300,
    trust_weights: bool = False,
    progress: bool = True,
    teacher: str = "model",
    reader: TextReader | None = None,
    layouts: Mapping[str, TextLayout] | None = None,
    text_conf: float = TEXT_MIN_CONF,
    read_cache: ReadCache | None = None,
    anonymise: bool = True,
) -> dict[str, Any]:
    """Sample the footage into ``out_dir/frames`` and write pseudo-labels to ``out_dir/pseudo``.

    ``low_conf`` is the detection threshold (sure and uncertain detections are told apart above
    it), ``imgsz`` the inference size in pixels. With ``teacher="model"`` the pseudo-labels are the
    model's sure detections (``rule``) and its uncertain ones are hidden. With ``teacher="text"``
    they are ``reader``'s reads of the sponsors' names with confidence >= ``text_conf``, widened
    with ``layouts`` (keyed by class name; :func:`vision.training.teacher.text_pseudo_labels`), plus, for the
    sponsors with no layout (the reader cannot label them), the model's sure detections (``rule``);
    the model's detections no label of their sponsor covers (IoU < :data:`COVER_IOU`) and the reads
    too unsure to label are hidden, and frames with no label are not pseudo-labelled. Text reads
    are looked up in, and added to, ``read_cache`` (shared by rounds that sample the same frames,
    and kept on disk by :func:`adapt` with a work folder); the statistics count the frames whose
    reads were found there as ``reads_reused``.
    Every sampled frame is also written to ``out_dir/backgrounds`` with all its detections (and
    reads) blurred out, as synthesis backgrounds. All three are written from the sampled frames, whose
    faces are blurred unless ``anonymise`` is false (:func:`vision.training.footage.sample_footage`). Returns statistics: the teacher, frames sampled,
    frames pseudo-labelled, pseudo-labels per sponsor, detections hidden, and the folders written.
    """
    import cv2

    from vision.inference.detector import LogoDetector

    check_teacher(teacher)
    if teacher == "auto":
        raise ValueError("pseudo_label_round needs the teacher decided: text or model")
    if teacher == "text" and reader is None:
        raise ValueError("the text teacher needs a text reader")
    out = Path(out_dir)
    det = LogoDetector(weights, conf=low_conf, imgsz=imgsz, device=device, trust_weights=trust_weights)
    frames = sample_footage(sources, det, out / "frames", sample_fps, max_frames, progress, anonymise)
    per_sponsor: Counter[str] = Counter()
    items = []
    hidden = reused = 0
    # what each sampled frame's background hides: all its detections (and, for the text teacher, reads)
    to_hide: list[np.ndarray] = [f.dets.xyxy for f in frames]
    if teacher == "text":
        assert reader is not None
        cache = ReadCache() if read_cache is None else read_cache
        # sponsors the reader cannot label (no layout: an icon mark, or artwork whose text does not
        # read) keep the model teacher's sure detections, or the fine-tuning would forget them
        unread = {c for c, n in enumerate(det.names) if n not in (layouts or {})}
        model_sure = sure_mask(frames, rule) if unread else [np.zeros(len(f.dets), bool) for f in frames]
        from tqdm import tqdm

        # reading takes 1-3 s a frame on a CPU: a long job, so it shows its progress
        for k, f in enumerate(tqdm(frames, desc="reading names", unit="frame", disable=not progress)):
            image = cv2.imread(str(f.path))
            key = (f.source, round(f.t, 3))
            if key in cache:
                reused += 1
            else:
                cache[key] = reader.read_lines(image)
            labels = read_labels(reader, image, det.names, layouts or {}, cache[key])
            sure = sure_labels(labels, layouts or {}, det.names, text_conf)
            read_boxes = np.array([lb.xyxy for lb in labels], np.float64).reshape(-1, 4)
            to_hide[k] = np.concatenate([f.dets.xyxy, read_boxes])
            boxes = [(lb.cls, lb.xyxy) for lb in sure]
            cls = f.dets.class_ids(det.names)
            boxes += [
                (int(cls[i]), tuple(map(float, f.dets.xyxy[i])))
                for i in np.flatnonzero(model_sure[k])
                if int(cls[i]) in unread
            ]
            if not boxes:
                continue
            uncovered = _uncovered(f, boxes, det.names)
            unsure = np.array([lb.xyxy for lb in labels if lb not in sure], np.float64).reshape(-1, 4)
            keep = np.array([b for _, b in boxes], np.float64)
            image = hide_boxes(image, np.concatenate([f.dets.xyxy[uncovered], unsure]), keep)
            per_sponsor.update(det.names[c] for c, _ in boxes)
            items.append((f.stem, image, boxes))
            hidden += len(uncovered) + len(unsure)
    else:
        for f, sure_i, unsure_i in pseudo_labelled(frames, rule):
            cls = f.dets.class_ids(det.names)
            boxes = [(int(cls[i]), tuple(map(float, f.dets.xyxy[i]))) for i in sure_i]
            per_sponsor.update(det.names[c] for c, _ in boxes)
            image = hide_boxes(cv2.imread(str(f.path)), f.dets.xyxy[unsure_i], f.dets.xyxy[sure_i])
            items.append((f.stem, image, boxes))
            hidden += len(unsure_i)
    write_labelled(out / "pseudo", det.names, items)
    # backgrounds: every sampled frame with all its detections hidden. The user's footage shows the
    # very sponsors being onboarded, and an unlabelled logo in a background teaches "background".
    (out / "backgrounds").mkdir(parents=True, exist_ok=True)
    for f, boxes_hidden in zip(frames, to_hide, strict=True):
        clean = hide_boxes(cv2.imread(str(f.path)), boxes_hidden, np.zeros((0, 4)))
        cv2.imwrite(str(out / "backgrounds" / f"{f.stem}.jpg"), clean, [cv2.IMWRITE_JPEG_QUALITY, 95])
    stats = {
        "teacher": teacher,
        "weights": str(weights),
        "frames_sampled": len(frames),
        "frames_pseudo_labelled": len(items),
        "pseudo_labels": dict(sorted(per_sponsor.items())),
        "uncertain_hidden": hidden,
        "rule": asdict(rule),
        **({"text_conf": text_conf, "reads_reused": reused} if teacher == "text" else {}),
        "low_conf": low_conf,
        "imgsz": imgsz,
        "anonymise": anonymise,
        "frames_dir": str(out / "frames"),
        "backgrounds_dir": str(out / "backgrounds"),
        "pseudo_dir": str(out / "pseudo"),
    }
    (out / "pseudo_stats.json").write_text(json.dumps(stats, indent=2))
    return stats


def _uncovered(
    frame: FootageFrame, labels: Sequence[tuple[int, Sequence[float]]], names: Sequence[str]
) -> np.ndarray:
    """Return the indices of ``frame``'s detections that no label ``(class index into names, xyxy
    pixels)`` of the same class overlaps at IoU >= :data:`COVER_IOU`."""
    out = []
    cls = frame.dets.class_ids(names)
    for i in range(len(frame.dets)):
        same = np.array([b for c, b in labels if c == int(cls[i])], np.float64).reshape(-1, 4)
        if not len(same) or float(box_iou(frame.dets.xyxy[i], same).max()) < COVER_IOU:
            out.append(i)
    return np.array(out, np.int64)


def adapt(
    sources: Sequence[str | Path],
    weights: str | Path,
    logos_dir: str | Path,
    name: str,
    out_dir: str | Path,
    workdir: str | Path | None = None,
    *,
    rounds: int = 2,
    rule: PseudoRule | None = None,
    low_conf: float = 0.1,
    infer_imgsz: int = 640,
    labels: Sequence[str | Path] = (),
    trust_weights: bool = False,
    sample_fps: float = 1.0,
    max_frames: int = 300,
    progress: bool = True,
    keep: bool = False,
    teacher: str = "model",
    sponsors: str | Path | None = None,
    reader: TextReader | None = None,
    layouts: Mapping[str, TextLayout] | None = None,
    anonymise: bool = True,
    **train_args: Any,
) -> Path:
    """Run ``rounds`` of pseudo-labelling and fine-tuning; return the final ``NAME.pt`` in ``out_dir``.

    ``weights`` is the starting model; its sponsors must be those of ``logos_dir``. ``labels`` are
    extra folders of reviewed real frames added to every round. ``teacher`` is ``model``, ``text``
    or ``auto`` (:func:`vision.training.teacher.plan_teacher`): for the text teacher the reader reads the
    ``sponsors`` catalogue (comma list or file; None: the model's class names) joined with the
    model's classes, and each sponsor's artwork in ``logos_dir`` is read once for its layout; a
    ``reader`` and ``layouts`` given (a plan already made) are used as they are. ``anonymise`` (the
    default) blurs the faces in every picture written from the footage (sampled frames, pseudo-label
    images, backgrounds) and in the ``labels`` frames trained on; the card records it as
    ``anonymise`` (and under ``"adaptation"``). ``train_args`` go
    to :func:`vision.training.train.train` (imgsz, epochs, images, device, seed, batch, task). The card of
    the final model records the teacher, the layouts and every round's pseudo-label statistics and
    training seconds under ``"adaptation"``. Sampled frames, pseudo-labels and runs go to
    ``workdir``, kept; without one to a temporary folder, removed at the end, on failure too,
    unless ``keep``. In a ``workdir`` the text teacher's reads are kept in ``reads.jsonl``
    (:mod:`vision.training.read_cache`): a run started again there reads only the frames it had not.
    """
    from measure.store import check_name
    from vision.inference.modelcard import read_card, write_card
    from vision.training.train import train

    check_name(name)
    check_teacher(teacher)
    if rounds < 1:
        raise InputError(f"--rounds must be at least 1, got {rounds}")
    rule = rule or PseudoRule()
    if reader is not None:
        teacher = "text" if teacher == "auto" else teacher
    elif teacher != "model":
        from vision.inference.detector import LogoDetector

        names = LogoDetector(weights, device="cpu", trust_weights=trust_weights).names
        plan = plan_teacher(teacher, names, logos_dir, sponsors, train_args.get("device", "auto"))
        teacher, reader, layouts = plan.teacher, plan.reader, plan.layouts
    layouts = dict(layouts or {}) if teacher == "text" else {}
    work = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"sponsorlens-adapt-{name}-"))
    # with a work folder, reads are kept on disk: a run killed while reading resumes where it stopped
    read_cache = (
        ReadCache(work / "reads.jsonl", reader_fingerprint(reader))
        if workdir and teacher == "text" and reader is not None
        else ReadCache()
    )
    try:
        current = Path(weights)
        history = []
        for r in range(1, rounds + 1):
            rdir = work / f"round{r}"
            stats = pseudo_label_round(
                sources,
                current,
                rdir,
                rule,
                low_conf=low_conf,
                imgsz=infer_imgsz,
                device=train_args.get("device", "auto"),
                sample_fps=sample_fps,
                max_frames=max_frames,
                trust_weights=trust_weights and r == 1,
                progress=progress,
                teacher=teacher,
                reader=reader,
                layouts=layouts,
                read_cache=read_cache,
                anonymise=anonymise,
            )
            if not stats["frames_pseudo_labelled"] and teacher == "text":
                raise InputError(
                    f"round {r}: no frame had a sponsor's name read with confidence >= {TEXT_MIN_CONF}; "
                    "use --teacher model, or give the texts that name the sponsors on screen (--sponsors)"
                )
            if not stats["frames_pseudo_labelled"]:
                raise InputError(
                    f"round {r}: no frame had a sure detection (confidence >= {rule.keep_conf}, found in "
                    f">= {rule.min_track} burst frames of a video or at both sizes of a photo); lower "
                    "--conf or start from a better model"
                )
            final = r == rounds
            current = train(
                logos_dir,
                name,
                out_dir if final else rdir,
                backgrounds=[stats["backgrounds_dir"]],
                init=current,
                labels=[stats["pseudo_dir"], *labels],
                workdir=rdir / "train",
                anonymise=anonymise,
                **train_args,
            )
            stats["training_s"] = (read_card(current) or {}).get("training_s", 0.0)
            history.append(stats)
    finally:
        if workdir is None and not keep:
            shutil.rmtree(work, ignore_errors=True)
    card = read_card(current) or {}
    card["adaptation"] = {
        "rounds": rounds,
        "start": str(weights),
        "teacher": teacher,
        "anonymise": anonymise,
        "layouts": {k: asdict(v) for k, v in sorted(layouts.items())},
        "history": history,
    }
    write_card(current, card)
    return current
