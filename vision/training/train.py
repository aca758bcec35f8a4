"""Train a sponsor logo detector from the ultralytics yaml on synthesised scenes.

No pretrained weights are ever downloaded: the network starts from ``yolo11n.yaml`` (or
``yolo11n-obb.yaml``). The result is ``NAME.pt`` plus its model card ``NAME.json`` (see
:mod:`vision.inference.modelcard`).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from measure.errors import InputError
from measure.jsonable import jsonable
from vision.inference.modelcard import write_card

ARCH = {"detect": "yolo11n.yaml", "obb": "yolo11n-obb.yaml"}
REPO_ROOT = Path(__file__).resolve().parent.parent


def hardware(device: str) -> str:
    """Return a one-line description of the device training ran on."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
    return f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"


def init_model(names: Sequence[str], out: str | Path, task: str = "detect") -> Path:
    """Write an untrained model built from the ultralytics yaml with ``names`` as its classes.

    Returns the ``.pt`` path. Used by tests and as the start of training; no download happens.
    """
    import torch
    from ultralytics.nn.tasks import DetectionModel, OBBModel

    cls = OBBModel if task == "obb" else DetectionModel
    model = cls(ARCH[task], nc=len(names), verbose=False)
    model.names = dict(enumerate(names))
    model.args = {"task": task, "imgsz": 640}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"epoch": -1, "model": model.half(), "train_args": {"task": task}, "date": None}, out)
    return out


def artwork_manifest(logos: dict[str, list[Any]]) -> dict[str, list[str]]:
    """Return {sponsor: [artwork paths, relative to the repository when inside it]}."""
    manifest: dict[str, list[str]] = {}
    for sponsor, items in sorted(logos.items()):
        paths = []
        for logo in items:
            p = Path(logo.path).resolve()
            paths.append(str(p.relative_to(REPO_ROOT)) if p.is_relative_to(REPO_ROOT) else str(p))
        manifest[sponsor] = paths
    return manifest


def train(
    logos_dir: str | Path,
    name: str,
    out_dir: str | Path,
    backgrounds: Sequence[str | Path] = (),
    task: str = "detect",
    imgsz: int = 640,
    epochs: int = 60,
    images: int = 2000,
    device: str = "auto",
    seed: int = 0,
    batch: int = 16,
    workdir: str | Path | None = None,
    init: str | Path | None = None,
    labels: Sequence[str | Path] = (),
    label_repeat: int | None = None,
    keep: bool = False,
    sponsors: Sequence[str] | None = None,
    anonymise: bool = True,
) -> Path:
    """Synthesise a dataset from the artwork in ``logos_dir``, train, and write ``NAME.pt`` + card.

    ``sponsors`` (a catalogue's names) onboards exactly those sponsors, named as given, from their
    artwork in ``logos_dir`` (matched case-insensitively); other artwork there is left out.

    Returns the path of the written ``.pt``. ``images`` is the number of synthetic images
    (training and validation together), ``imgsz`` the training size in pixels. ``init`` starts
    from an earlier model (verified against its card) instead of the yaml: all of it when it has the
    same sponsors, its backbone and neck when the sponsors differ. ``labels`` are folders of real
    labelled frames (:mod:`vision.training.labelled`) added to the training split, each frame repeated
    ``label_repeat`` times (default: enough to make about 30% of the training images).
    ``anonymise`` (the default) blurs the faces in the user's pictures the dataset is built from, the
    ``backgrounds`` and the ``labels`` frames, but not their logos (:mod:`vision.inference.faces`); the
    card records it as ``anonymise``.
    The work folder (synthetic dataset, ultralytics' run) is ``workdir``, kept; without one it is a
    temporary folder, removed at the end, on failure too, unless ``keep``.
    """
    from ultralytics import YOLO

    from measure.store import check_name
    from vision.inference.detector import select_device
    from vision.io.artwork import load_logos, select_logos
    from vision.processes import forked_children_die_with_parent
    from vision.training.labelled import add_labelled, auto_repeat, read_for_training
    from vision.training.synth import make_dataset

    check_name(name)
    if task not in ARCH:
        raise InputError(f"--task must be detect or obb, got {task!r}")
    logos = load_logos(logos_dir)
    if sponsors is not None:
        logos = select_logos(logos, list(sponsors), logos_dir)
    device = select_device(device)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    real_sets = read_for_training(labels, list(logos)) if labels else []
    previous = _check_init(init, sorted(logos), task) if init else None
    if backgrounds or labels:
        from vision.inference.faces import anonymiser

        anonymiser(anonymise)  # a missing face model stops here, before any work
    # absolute: ultralytics puts a relative ``project`` under its own runs/ folder, not here
    work = (
        Path(workdir).absolute() if workdir else Path(tempfile.mkdtemp(prefix=f"sponsorlens-train-{name}-"))
    )
    try:
        started = time.time()
        data = make_dataset(
            logos,
            work / "data",
            n_images=images,
            imgsz=imgsz,
            seed=seed,
            backgrounds=list(backgrounds),
            task=task,
            anonymise=anonymise,
            workers=os.cpu_count() or 1,  # the same files whatever the number of processes
        )
        real = None
        if real_sets:
            n_real = sum(len(s) for s in real_sets)
            repeat = label_repeat if label_repeat is not None else auto_repeat(n_real, data.n_train)
            real = add_labelled(real_sets, work / "data", list(logos), task, max(1, repeat), anonymise)
            real["dirs"] = [str(d) for d in labels]
        synth_s = time.time() - started
        forked_children_die_with_parent()  # the data-loader workers end with a killed training
        model = YOLO(str(init) if init else ARCH[task], task=task)
        model.add_callback("on_pretrain_routine_start", _use_every_core)
        _no_download_amp_check()
        model.train(
            data=str(work / "data" / "data.yaml"),
            epochs=epochs,
            imgsz=imgsz,
            batch=batch,
            device="cpu" if device == "cpu" else device.replace("cuda:", ""),
            seed=seed,
            deterministic=False,
            pretrained=str(init) if init else False,  # never a download: the yaml, or our own model
            plots=False,
            project=str(work),
            name="run",
            exist_ok=True,
            workers=min(8, os.cpu_count() or 1),
            verbose=False,
            # short schedules from scratch: a fixed AdamW rate and a short warm-up (ultralytics' default
            # warm-up of 3 epochs is a quarter of a 12-epoch run)
            optimizer="AdamW",
            lr0=0.002,
            warmup_epochs=min(3.0, max(0.5, epochs * 0.05)),
            # the synthesiser already randomises geometry and photometry; keep ultralytics' own light
            fliplr=0.0,
            mosaic=0.5,
            close_mosaic=max(1, epochs // 5),
            patience=max(10, epochs // 3),
        )
        train_s = time.time() - started - synth_s
        best = work / "run" / "weights" / "best.pt"
        if not best.is_file():
            best = work / "run" / "weights" / "last.pt"
        final = out_dir / f"{name}.pt"
        shutil.copyfile(best, final)
        trained = YOLO(str(final), task=task)
        metrics = trained.val(
            data=str(work / "data" / "data.yaml"),
            imgsz=imgsz,
            device=device,
            plots=False,
            verbose=False,
            split="val",
        )
        box = metrics.box
        card = {
            "name": name,
            "classes": [trained.names[i] for i in sorted(trained.names)],
            "task": task,
            "arch": ARCH[task],
            "initialised_from": previous,
            "imgsz": imgsz,
            "epochs": epochs,
            "seed": seed,
            "synthesis": jsonable(data),
            "real_labels": real,
            "anonymise": anonymise,
            "validation": {
                "split": "held-out synthetic scenes (scene types and backgrounds not used in training)",
                "map50": round(float(box.map50), 4),
                "map50_95": round(float(box.map), 4),
                "precision": round(float(box.mp), 4),
                "recall": round(float(box.mr), 4),
            },
            "training_s": round(train_s, 1),
            "synthesis_s": round(synth_s, 1),
            "hardware": hardware(device),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "artwork": artwork_manifest(logos),
        }
        write_card(final, card)
        return final
    finally:
        if workdir is None and not keep:  # the synthetic dataset and ultralytics' run folder
            shutil.rmtree(work, ignore_errors=True)


def _use_every_core(trainer: Any) -> None:
    """Give CPU training every core: ultralytics leaves one free (1 thread of 2 on a 2-core machine).

    An ultralytics ``on_pretrain_routine_start`` callback; returns nothing.
    """
    import torch

    if trainer.device.type == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)


def _no_download_amp_check() -> None:
    """Keep ultralytics' trainer from downloading a model to decide on mixed precision.

    On a GPU, ultralytics' ``check_amp`` downloads ``yolo26n.pt`` to compare its fp32 and fp16
    outputs; SponsorLens never downloads at run time. The replacement turns AMP on for CUDA models,
    as ultralytics itself does when it is offline, and off elsewhere. Returns nothing.
    """
    import ultralytics.engine.trainer as engine

    engine.check_amp = _amp_on_cuda


def _amp_on_cuda(model: Any) -> bool:
    """Returns whether a model trains with automatic mixed precision: True on a CUDA device."""
    return next(model.parameters()).device.type == "cuda"


def _check_init(init: str | Path, sponsors: list[str], task: str) -> dict[str, Any]:
    """Verify an ``init`` model and check its ``task``; say what of it the new model keeps.

    Returns the provenance block for the new card: path, sha256, ``transfer`` (``"all"`` for the
    same sponsors; ``"backbone and neck"`` when they differ, since the class head is re-initialised)
    and the earlier card's training facts.
    """
    from vision.inference.modelcard import WeightsError, verify_weights

    digest, card = verify_weights(init)
    card = card or {}
    if card.get("task", task) != task:
        raise WeightsError(f"{init}: --init model has task {card.get('task')}; need task {task}")
    same = sorted(card.get("classes", sponsors)) == sponsors
    keep = ("epochs", "imgsz", "training_s", "hardware", "validation", "initialised_from")
    return {
        "weights": str(init),
        "sha256": digest,
        "transfer": "all" if same else "backbone and neck (different sponsors: new class head)",
        **{k: card[k] for k in keep if k in card},
    }
