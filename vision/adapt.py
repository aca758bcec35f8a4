"""Self-training on the user's unlabelled footage (``sponsorlens adapt``).

Each round runs the current model over the footage (:func:`vision.footage.sample_footage`), keeps
the sure detections as pseudo-labels (:func:`vision.footage.pseudo_labelled`), and fine-tunes on
them mixed with freshly synthesised scenes. The sampled frames also serve as real backgrounds for
the synthesis. The next round starts from the model this round wrote.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from vision.footage import PseudoRule, hide_boxes, pseudo_labelled, sample_footage
from vision.labelled import write_labelled


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
) -> dict[str, Any]:
    """Sample the footage into ``out_dir/frames`` and write pseudo-labels to ``out_dir/pseudo``.

    ``low_conf`` is the detection threshold (sure and uncertain detections are told apart above
    it), ``imgsz`` the inference size in pixels. Every sampled frame is also written to
    ``out_dir/backgrounds`` with all its detections blurred out, as synthesis backgrounds. Returns
    statistics: frames sampled, frames pseudo-labelled, pseudo-labels per sponsor, and the folders
    written.
    """
    import cv2

    from vision.detector import LogoDetector

    out = Path(out_dir)
    det = LogoDetector(weights, conf=low_conf, imgsz=imgsz, device=device, trust_weights=trust_weights)
    frames = sample_footage(sources, det, out / "frames", sample_fps, max_frames, progress)
    kept = pseudo_labelled(frames, rule)
    per_sponsor: Counter[str] = Counter()
    items = []
    hidden = 0
    for f, sure, unsure in kept:
        boxes = [(int(f.dets.cls[i]), tuple(map(float, f.dets.xyxy[i]))) for i in sure]
        per_sponsor.update(det.names[c] for c, _ in boxes)
        image = hide_boxes(cv2.imread(str(f.path)), f.dets.xyxy[unsure], f.dets.xyxy[sure])
        items.append((f.stem, image, boxes))
        hidden += len(unsure)
    write_labelled(out / "pseudo", det.names, items)
    # backgrounds: every sampled frame with all its detections hidden. The user's footage shows the
    # very sponsors being onboarded, and an unlabelled logo in a background teaches "background".
    (out / "backgrounds").mkdir(parents=True, exist_ok=True)
    for f in frames:
        clean = hide_boxes(cv2.imread(str(f.path)), f.dets.xyxy, np.zeros((0, 4)))
        cv2.imwrite(str(out / "backgrounds" / f"{f.stem}.jpg"), clean, [cv2.IMWRITE_JPEG_QUALITY, 95])
    stats = {
        "weights": str(weights),
        "frames_sampled": len(frames),
        "frames_pseudo_labelled": len(kept),
        "pseudo_labels": dict(sorted(per_sponsor.items())),
        "uncertain_hidden": hidden,
        "rule": asdict(rule),
        "low_conf": low_conf,
        "imgsz": imgsz,
        "frames_dir": str(out / "frames"),
        "backgrounds_dir": str(out / "backgrounds"),
        "pseudo_dir": str(out / "pseudo"),
    }
    (out / "pseudo_stats.json").write_text(json.dumps(stats, indent=2))
    return stats


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
    **train_args: Any,
) -> Path:
    """Run ``rounds`` of pseudo-labelling and fine-tuning; return the final ``NAME.pt`` in ``out_dir``.

    ``weights`` is the starting model; its sponsors must be those of ``logos_dir``. ``labels`` are
    extra folders of reviewed real frames added to every round. ``train_args`` go to
    :func:`vision.train.train` (imgsz, epochs, images, device, seed, batch, task). The card of the
    final model records every round's pseudo-label statistics and training seconds under
    ``"adaptation"``. Sampled frames, pseudo-labels and runs go to ``workdir``, kept; without one to
    a temporary folder, removed at the end, on failure too, unless ``keep``.
    """
    from measure.store import check_name
    from vision.modelcard import read_card, write_card
    from vision.train import train

    check_name(name)
    if rounds < 1:
        raise ValueError(f"--rounds must be at least 1, got {rounds}")
    rule = rule or PseudoRule()
    work = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"sponsorlens-adapt-{name}-"))
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
            )
            if not stats["frames_pseudo_labelled"]:
                raise ValueError(
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
                **train_args,
            )
            stats["training_s"] = (read_card(current) or {}).get("training_s", 0.0)
            history.append(stats)
    finally:
        if workdir is None and not keep:
            shutil.rmtree(work, ignore_errors=True)
    card = read_card(current) or {}
    card["adaptation"] = {"rounds": rounds, "start": str(weights), "history": history}
    write_card(current, card)
    return current
