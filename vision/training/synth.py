"""Synthetic training data: scenes with sponsor logos and exact labels, written as an ultralytics dataset.

:func:`render_scene` draws one frame (see :mod:`vision.training.scenes` for what it contains) and returns the image
with one :class:`~vision.training.compose.Label` per sponsor instance that is at least ``min_visible`` visible.
:func:`make_dataset` renders many of them into ``images/{train,val}`` + ``labels/{train,val}`` +
``data.yaml``. The validation split is held out: it uses colour palettes, a scene family (``arena``) and
background files that the training split never sees, so its scores estimate performance on new venues.

Everything is drawn from ``numpy.random.Generator`` seeded per image (``[seed, index]``), so the same seed
gives byte-identical images and labels.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import yaml

from measure.errors import InputError
from vision.io.artwork import Logo
from vision.io.discovery import IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_image_path, is_video_path, media_files
from vision.training.compose import Canvas, Label, LogoBank
from vision.training.degrade import DegradeRecipe, degrade
from vision.training.scenes.context import Ctx
from vision.training.scenes.kinds import KINDS, draw_scene
from vision.training.scenes.palettes import PALETTES
from vision.training.scenes.recipe import SceneRecipe

__all__ = [
    "DatasetInfo",
    "Label",
    "Scene",
    "SynthError",
    "load_backgrounds",
    "make_dataset",
    "render_scene",
]

#: Frames sampled from each background video.
FRAMES_PER_VIDEO = 8
#: Output aspect ratios (height / width of landscape frames) and their probabilities.
ASPECTS: tuple[tuple[float, float], ...] = ((9 / 16, 0.55), (3 / 4, 0.2), (1.0, 0.15), (4 / 3, 0.1))


class SynthError(InputError):
    """Bad input to the synthesiser (message names the file or argument and the reason)."""


@dataclass
class Scene:
    """One rendered frame: ``image`` (H, W, 3) uint8 BGR and its labels (pixels, edge coordinates).

    ``masks`` (only with ``return_masks``) holds, per label, the (H, W) float32 visible alpha (0..1) of
    that instance before degradation.
    """

    image: np.ndarray
    labels: list[Label]
    kind: str
    palette: str
    masks: list[np.ndarray] | None = None


@dataclass
class DatasetInfo:
    """What :func:`make_dataset` wrote: counts, per-class instances and the full randomisation recipe."""

    out_dir: Path
    data_yaml: Path
    task: str
    names: list[str]
    n_train: int
    n_val: int
    n_empty: dict[str, int]
    instances: dict[str, dict[str, int]]  # split -> sponsor -> labelled instances
    kinds: dict[str, dict[str, int]]  # split -> scene kind -> images
    recipe: dict[str, object]
    seconds: float
    images_per_s: float = field(default=0.0)

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d["out_dir"], d["data_yaml"] = str(self.out_dir), str(self.data_yaml)
        return d


# ------------------------------------------------------------------------------------------------ render
def render_scene(
    logos: dict[str, list[Logo]] | LogoBank,
    rng: np.random.Generator,
    size: tuple[int, int] = (640, 360),
    kind: str | None = None,
    background: np.ndarray | None = None,
    *,
    split: str = "train",
    empty: bool | None = None,
    degrade_image: bool = True,
    recipe: SceneRecipe | None = None,
    degrade_recipe: DegradeRecipe | None = None,
    return_masks: bool = False,
) -> Scene:
    """Render one synthetic frame of ``size`` = (width, height) pixels.

    ``kind`` is one of :data:`vision.training.scenes.kinds.KINDS` (random when None: ``photo`` when a ``background`` is
    given with probability ``recipe.p_photo``, otherwise a procedural kind allowed in ``split``).
    ``background`` (BGR uint8, any size) is resized/cropped to fill the frame for ``photo`` scenes.
    ``empty`` forces a frame with no sponsor (random with ``recipe.p_empty`` when None).
    ``degrade_image=False`` skips lighting, blur, noise and compression (labels are identical either way).
    Returns a :class:`Scene` whose labels are the instances at least ``recipe.min_visible`` visible.
    """
    recipe = recipe or SceneRecipe()
    bank = logos if isinstance(logos, LogoBank) else LogoBank(logos)
    if split not in PALETTES:
        raise SynthError(f"split must be one of {', '.join(PALETTES)}, not {split!r}")
    w, h = int(size[0]), int(size[1])
    if w < 16 or h < 16:
        raise SynthError(f"image size {w}x{h} is too small (at least 16x16 pixels)")
    if kind is None:
        kind = _pick_kind(rng, recipe, split, background is not None)
    if kind == "photo" and background is None:
        raise SynthError("scene kind 'photo' needs a background image")
    palettes = PALETTES[split]
    pal = palettes[int(rng.integers(len(palettes)))]
    if empty is None:
        empty = bool(rng.random() < recipe.p_empty)
    footage = None
    if kind == "photo" and background is not None:
        footage = _fit_background(background, w, h, rng, recipe.bg_min_scale)
        image = footage.astype(np.float32)
    else:
        image = np.zeros((h, w, 3), np.float32)
    canvas = Canvas(image)
    ctx = Ctx(canvas, bank, rng, pal, recipe, empty)
    draw_scene(ctx, kind, background if kind == "photo" else None)
    kept = [(lab, inst) for inst in canvas.instances if (lab := _label(canvas, inst, recipe)) is not None]
    labels = [lab for lab, _ in kept]
    masks = [canvas.visible_mask(inst) for _, inst in kept] if return_masks else None
    if footage is not None:
        canvas.image = match_footage_blur(canvas.image, footage)
    if degrade_image:
        out = degrade(canvas.image, rng, degrade_recipe)
    else:
        out = np.clip(np.round(canvas.image), 0, 255).astype(np.uint8)
    return Scene(out, labels, kind, pal.name, masks)


def _label(canvas: Canvas, inst: object, recipe: SceneRecipe) -> Label | None:
    from vision.training.compose import instance_label

    lab = instance_label(inst, canvas.width, canvas.height)  # type: ignore[arg-type]
    if lab is None or lab.visible_fraction < recipe.min_visible:
        return None
    x1, y1, x2, y2 = lab.xyxy
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return lab


def _pick_kind(rng: np.random.Generator, recipe: SceneRecipe, split: str, has_background: bool) -> str:
    if has_background and rng.random() < recipe.p_photo:
        return "photo"
    kinds = [(k, p) for k, p in recipe.kinds if split == "val" or k not in recipe.val_only_kinds]
    p = np.array([q for _, q in kinds], float)
    return kinds[int(rng.choice(len(kinds), p=p / p.sum()))][0]


def _fit_background(
    bg: np.ndarray, w: int, h: int, rng: np.random.Generator, min_scale: float = 0.8
) -> np.ndarray:
    """Random crop of ``bg`` with the frame's aspect, resized to w x h (uint8 BGR).

    The crop's scale (source pixels per output pixel) is log-uniform between ``min(min_scale, fit)``
    and ``fit``, the scale at which the whole frame fits. Large footage is therefore seen both whole
    (downscaled) and as tiles at its native pixel size, so its small boards keep their real size.
    """
    bh, bw = bg.shape[:2]
    fit = min(bw / w, bh / h)
    scale = float(np.exp(rng.uniform(np.log(min(min_scale, fit)), np.log(fit))))
    cw, ch = max(2, int(w * scale)), max(2, int(h * scale))
    x0 = int(rng.integers(0, bw - cw + 1))
    y0 = int(rng.integers(0, bh - ch + 1))
    crop = bg[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    interp = cv2.INTER_AREA if cw > w else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(crop), (w, h), interpolation=interp)


#: Gaussian sigmas (pixels) tried when matching pasted elements to the footage's sharpness.
_MATCH_SIGMAS = (0.0, 0.4, 0.7, 1.0, 1.4, 1.9, 2.6)


def sharpness(gray: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Return a contrast-free sharpness of a float32 grey image: mean |Laplacian| / mean |gradient|.

    Blurring lowers it whatever the image's contrast; ``mask`` (bool, same shape) restricts it to the
    pixels where it is True. Returns 0 for a flat image.
    """
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.abs(gx) + np.abs(gy)
    if mask is not None:
        lap, grad = lap[mask], grad[mask]
    g = float(grad.mean()) if grad.size else 0.0
    return float(lap.mean()) / g if g > 1e-3 else 0.0


def match_footage_blur(image: np.ndarray, footage: np.ndarray) -> np.ndarray:
    """Blur what was drawn over ``footage`` until it is as sharp as the footage itself.

    ``image`` (float32 BGR) is ``footage`` (uint8 BGR, same size) with logos, boards and players
    composited on it. Rendered artwork is crisper than broadcast pixels; a detector trained on crisp
    pastes learns to find pastes. The Gaussian sigma (pixels, from :data:`_MATCH_SIGMAS`) whose
    result has the footage's :func:`sharpness` is applied to the drawn pixels only; untouched footage
    pixels are returned unchanged. Returns float32 BGR.
    """
    drawn = np.abs(image - footage.astype(np.float32)).max(axis=2) > 1.0
    if not drawn.any():
        return image
    ring = cv2.dilate(drawn.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    target = sharpness(cv2.cvtColor(footage, cv2.COLOR_BGR2GRAY).astype(np.float32), ~ring)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    best, best_err = image, abs(sharpness(grey, drawn) - target)
    for sigma in _MATCH_SIGMAS[1:]:
        blurred = cv2.GaussianBlur(image, (0, 0), sigma)
        err = abs(sharpness(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY), drawn) - target)
        if err < best_err:
            best, best_err = blurred, err
    if best is image:
        return image
    alpha = cv2.GaussianBlur(ring.astype(np.float32), (0, 0), 1.0)[..., None]
    return alpha * best + (1.0 - alpha) * footage.astype(np.float32)


# ------------------------------------------------------------------------------------------- backgrounds
def load_backgrounds(
    paths: Sequence[str | Path], rng: np.random.Generator, max_side: int = 1280
) -> list[np.ndarray]:
    """Read background images (upright, as ``photos`` reads them), and ``FRAMES_PER_VIDEO`` random
    frames of each video, as BGR uint8 arrays whose longest side is at most ``max_side`` pixels.
    Photos and videos are told apart by :mod:`vision.io.discovery`'s suffixes, as every command does.
    Raises :class:`SynthError` for unreadable files."""
    from vision.io.images import ImageError, load_image

    out: list[np.ndarray] = []
    for p in map(Path, paths):
        if is_image_path(p):
            try:  # the photos' own decoder: EXIF orientation, size limits, one-line errors
                out.append(load_image(p, max_side=max_side))
            except ImageError as e:
                raise SynthError(f"background image {e}") from None
        elif is_video_path(p):
            out.extend(_limit(f, max_side) for f in _video_frames(p, rng))
        else:
            raise SynthError(
                f"{p}: unsupported background type {p.suffix!r} (images: {', '.join(IMAGE_SUFFIXES)}; "
                f"videos: {', '.join(VIDEO_SUFFIXES)})"
            )
    return out


def anonymise_backgrounds(images: list[np.ndarray], anonymise: bool = True) -> list[np.ndarray]:
    """Return the background ``images`` (BGR uint8) with their faces blurred (:mod:`vision.inference.faces`),
    or as they are when ``anonymise`` is false. The face model loads only when there is a picture to
    blur; raises :class:`vision.inference.faces.FaceModelMissing` without it."""
    if not anonymise or not images:
        return images
    from vision.inference.faces import anonymiser

    blur = anonymiser(True)
    assert blur is not None
    return [blur(np.require(image, requirements="CW")) for image in images]


def _video_frames(path: Path, rng: np.random.Generator) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise SynthError(f"{path}: cannot open background video")
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        frames = []
        if n > 0:
            for idx in sorted(rng.choice(n, size=min(FRAMES_PER_VIDEO, n), replace=False).tolist()):
                cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
                ok, frame = cap.read()
                if ok:
                    frames.append(frame)
        if not frames:  # no frame count, or seeking failed: read from the start
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            for _ in range(FRAMES_PER_VIDEO):
                ok, frame = cap.read()
                if not ok:
                    break
                frames.append(frame)
        if not frames:
            raise SynthError(f"{path}: background video has no readable frames")
        return frames
    finally:
        cap.release()


def _limit(img: np.ndarray, max_side: int) -> np.ndarray:
    h, w = img.shape[:2]
    if max(h, w) <= max_side:
        return img
    s = max_side / max(h, w)
    return cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


# ----------------------------------------------------------------------------------------------- dataset
def make_dataset(
    logos: dict[str, list[Logo]],
    out_dir: str | Path,
    n_images: int,
    imgsz: int,
    seed: int,
    backgrounds: Sequence[str | Path] = (),
    val_fraction: float = 0.15,
    task: str = "detect",
    progress: bool = True,
    recipe: SceneRecipe | None = None,
    degrade_recipe: DegradeRecipe | None = None,
    workers: int = 1,
    anonymise: bool = True,
) -> DatasetInfo:
    """Render ``n_images`` synthetic frames (longest side ``imgsz`` pixels) into an ultralytics dataset.

    Writes ``out_dir/images/{train,val}/NNNNNN.jpg``, ``out_dir/labels/{train,val}/NNNNNN.txt`` (YOLO
    ``cls cx cy w h`` for ``task="detect"`` or ``cls x1 y1 ... x4 y4`` for ``task="obb"``, normalised to
    0..1), ``out_dir/data.yaml`` and ``out_dir/dataset_info.json``; existing ``images/`` and ``labels/``
    in ``out_dir`` are replaced. ``round(n_images * val_fraction)`` images (at least 1 when
    ``val_fraction > 0``) form the held-out validation split. ``workers`` > 1 renders in that many
    processes; the files are identical whatever the number of workers. The ``backgrounds`` (the
    user's own pictures) have their faces blurred once, as they are read, unless ``anonymise`` is false
    (:mod:`vision.inference.faces`); the logos pasted on them stay sharp. Returns a :class:`DatasetInfo`.
    """
    recipe = recipe or SceneRecipe()
    degrade_recipe = degrade_recipe or DegradeRecipe()
    if task not in ("detect", "obb"):
        raise SynthError(f"task must be 'detect' or 'obb', not {task!r}")
    if n_images < 2:
        raise SynthError(f"n_images must be at least 2, not {n_images}")
    if imgsz < 64:
        raise SynthError(f"imgsz must be at least 64 pixels, not {imgsz}")
    if not 0.0 <= val_fraction < 1.0:
        raise SynthError(f"val_fraction must be in [0, 1), not {val_fraction}")
    if not logos:
        raise SynthError("no sponsor artwork given")
    t0 = time.perf_counter()
    out = Path(out_dir)
    bank = LogoBank(logos)
    names = list(logos)
    n_val = max(1, round(n_images * val_fraction)) if val_fraction > 0 else 0
    n_train = n_images - n_val
    bg_split = _split_backgrounds([Path(b) for b in backgrounds], val_fraction, seed)
    bgs = {
        s: load_backgrounds(files, np.random.default_rng([seed, 7, i]))
        for i, (s, files) in enumerate(bg_split.items())
    }
    bgs = {s: anonymise_backgrounds(images, anonymise) for s, images in bgs.items()}
    for sub in ("images", "labels"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    for split in ("train", "val"):
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    instances = {s: dict.fromkeys(names, 0) for s in ("train", "val")}
    kinds = {s: dict.fromkeys(KINDS, 0) for s in ("train", "val")}
    n_empty = {"train": 0, "val": 0}
    job = _Job(out, n_train, imgsz, seed, task, recipe, degrade_recipe)
    workers = max(1, int(workers))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n_images, desc="synthesising", unit="img")
    chunks = [list(range(i, min(i + 16, n_images))) for i in range(0, n_images, 16)]
    if workers == 1:
        _init_worker(bank, bgs, job)
        results = map(_render_chunk, chunks)
    else:
        import concurrent.futures as cf

        pool = cf.ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(bank, bgs, job))
        results = pool.map(_render_chunk, chunks)
    try:
        for chunk in results:
            for split, kind, sponsors in chunk:
                kinds[split][kind] += 1
                n_empty[split] += not sponsors
                for sp in sponsors:
                    instances[split][sp] += 1
                if bar is not None:
                    bar.update(1)
    finally:
        if workers > 1:
            pool.shutdown(cancel_futures=True)
        _STATE.clear()
        if bar is not None:
            bar.close()
    data_yaml = out / "data.yaml"
    data = {
        "path": str(out.resolve()),
        "train": "images/train",
        "val": "images/val",
        "names": dict(enumerate(names)),
    }
    data_yaml.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    seconds = time.perf_counter() - t0
    info = DatasetInfo(
        out_dir=out,
        data_yaml=data_yaml,
        task=task,
        names=names,
        n_train=n_train,
        n_val=n_val,
        n_empty=n_empty,
        instances=instances,
        kinds=kinds,
        recipe={
            "imgsz": imgsz,
            "seed": seed,
            "aspects_h_over_w": [a for a, _ in ASPECTS],
            "scene": asdict(recipe),
            "degrade": asdict(degrade_recipe),
            "palettes": {s: [p.name for p in ps] for s, ps in PALETTES.items()},
            "backgrounds": {s: [str(p) for p in files] for s, files in bg_split.items()},
            "background_frames": {s: len(v) for s, v in bgs.items()},
            "artworks": {s: [str(lg.path) for lg in v] for s, v in logos.items()},
        },
        seconds=round(seconds, 2),
        images_per_s=round(n_images / max(seconds, 1e-9), 2),
    )
    (out / "dataset_info.json").write_text(json.dumps(info.to_json(), indent=2))
    return info


@dataclass(frozen=True)
class _Job:
    out: Path
    n_train: int
    imgsz: int
    seed: int
    task: str
    recipe: SceneRecipe
    degrade_recipe: DegradeRecipe


_STATE: dict[str, object] = {}


def _init_worker(bank: LogoBank, bgs: dict[str, list[np.ndarray]], job: _Job) -> None:
    _STATE.update(bank=bank, bgs=bgs, job=job)


def _render_chunk(indices: list[int]) -> list[tuple[str, str, list[str]]]:
    """Render and write images ``indices``; return (split, kind, labelled sponsors) per image."""
    bank: LogoBank = _STATE["bank"]  # type: ignore[assignment]
    bgs: dict[str, list[np.ndarray]] = _STATE["bgs"]  # type: ignore[assignment]
    job: _Job = _STATE["job"]  # type: ignore[assignment]
    out = []
    for i in indices:
        split = "train" if i < job.n_train else "val"
        rng = np.random.default_rng([job.seed, i])
        size = _pick_size(rng, job.imgsz)
        pool = bgs[split]
        bg = pool[int(rng.integers(len(pool)))] if pool else None
        scene = render_scene(
            bank, rng, size, None, bg, split=split, recipe=job.recipe, degrade_recipe=job.degrade_recipe
        )
        quality = int(rng.integers(*job.degrade_recipe.jpeg_quality, endpoint=True))
        stem = f"{i:06d}"
        cv2.imwrite(
            str(job.out / "images" / split / f"{stem}.jpg"), scene.image, [cv2.IMWRITE_JPEG_QUALITY, quality]
        )
        (job.out / "labels" / split / f"{stem}.txt").write_text(format_labels(scene.labels, size, job.task))
        out.append((split, scene.kind, [lab.sponsor for lab in scene.labels]))
    return out


def format_labels(labels: Sequence[Label], size: tuple[int, int], task: str) -> str:
    """YOLO label-file text for ``labels`` of a ``size`` = (width, height) image: one line per label,
    ``cls cx cy w h`` (detect) or ``cls x1 y1 x2 y2 x3 y3 x4 y4`` (obb), normalised to 0..1."""
    w, h = size
    lines = []
    for lab in labels:
        if task == "obb":
            p = np.clip(lab.polygon / np.array([w, h], float), 0.0, 1.0).reshape(-1)
            lines.append(f"{lab.cls} " + " ".join(f"{v:.6f}" for v in p))
        else:
            x1, y1, x2, y2 = lab.xyxy
            lines.append(
                f"{lab.cls} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}"
            )
    return "\n".join(lines) + ("\n" if lines else "")


def _pick_size(rng: np.random.Generator, imgsz: int) -> tuple[int, int]:
    p = np.array([q for _, q in ASPECTS])
    a = ASPECTS[int(rng.choice(len(ASPECTS), p=p / p.sum()))][0]
    if a <= 1.0:
        return imgsz, max(16, round(imgsz * a / 2) * 2)
    return max(16, round(imgsz / a / 2) * 2), imgsz


def expand_backgrounds(paths: Sequence[Path]) -> list[Path]:
    """Return ``paths`` with each folder replaced by the images and videos under it (name order).

    Raises :class:`SynthError` for a path that does not exist or a folder holding no media.
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            media = media_files(p)
            if not media:
                raise SynthError(f"{p}: background folder holds no images or videos")
            out += media
        elif p.is_file():
            out.append(p)
        else:
            raise SynthError(f"{p}: background file not found")
    return out


def _split_backgrounds(files: list[Path], val_fraction: float, seed: int) -> dict[str, list[Path]]:
    """Split background files between train and val (whole files, so val sees unseen footage).

    Folders in ``files`` stand for the images and videos under them (recursively).
    """
    files = sorted(expand_backgrounds(files))
    if len(files) < 2 or val_fraction <= 0:
        return {"train": files, "val": []}
    order = np.random.default_rng([seed, 99]).permutation(len(files))
    n_val = max(1, min(len(files) - 1, math.ceil(len(files) * val_fraction)))
    return {
        "train": [files[i] for i in sorted(order[n_val:])],
        "val": [files[i] for i in sorted(order[:n_val])],
    }
