"""Random and damaged bytes fed to the decoders: the only allowed outcomes are a correct result or
SourceError / ImageError (no other exception, no crash, no hang)."""

from __future__ import annotations

import faulthandler
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media_factory import write_av_video, write_cv_video
from PIL import Image

from vision.io.images import ImageError, load_image
from vision.io.sources import SourceError, open_video

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VIDEO_SUFFIXES = [".mp4", ".avi", ".mkv", ".ts", ".mov"]
IMAGE_SUFFIXES = [".jpg", ".png", ".webp", ".bmp", ".tif"]


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (with every thread's stack) instead of hanging if a decoder never returns."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small valid files of each kind, as bytes to mutate."""
    d = tmp_path_factory.mktemp("seeds")
    write_cv_video(d / "s.mp4", "mp4v", n=12, size=(64, 48))
    write_cv_video(d / "s.avi", "MJPG", n=12, size=(64, 48))
    write_av_video(d / "s.mkv", [0, 40, 80, 200, 240, 300])
    write_av_video(d / "s.ts", [0, 40, 80, 120, 160, 200], codec="mpeg4", fmt="mpegts")
    rgb = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(d / "s.jpg", quality=80)
    Image.fromarray(rgb).save(d / "s.png")
    Image.fromarray(rgb).save(d / "s.webp", quality=80)
    Image.fromarray(rgb).quantize(8).save(d / "p.png")
    return {p.name: p.read_bytes() for p in d.iterdir()}


# One damage step: (kind, position as a fraction of the length, payload bytes).
DAMAGE = st.lists(
    st.tuples(
        st.sampled_from(["overwrite", "cut", "insert", "zero"]),
        st.floats(0.0, 1.0),
        st.binary(min_size=1, max_size=64),
    ),
    min_size=1,
    max_size=3,
)


def damage(data: bytes, steps: list[tuple[str, float, bytes]]) -> bytes:
    """Return ``data`` with each step applied: bytes overwritten, cut off, inserted or zeroed."""
    out = bytearray(data)
    for kind, where, payload in steps:
        pos = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "overwrite":
            out[pos : pos + len(payload)] = payload
        elif kind == "cut":
            del out[pos:]
        elif kind == "insert":
            out[pos:pos] = payload
        else:
            out[pos : pos + 64 * len(payload)] = bytes(len(out[pos : pos + 64 * len(payload)]))
    return bytes(out)


def check_video(path: Path) -> None:
    """Open and fully decode ``path``; succeed consistently or raise SourceError."""
    try:
        with open_video(path, prefetch=2) as src:
            info = src.info
            last_t, count = -1.0, 0
            for f in src:
                assert f.index >= count and math.isfinite(f.t) and f.t >= last_t
                assert f.image.dtype == np.uint8 and f.image.shape == (info.height, info.width, 3)
                last_t, count = f.t, f.index + 1
            assert count >= 1 and src.timeline_end() >= last_t
            if src.stopped is not None:
                assert src.stopped.frame == src.decoded_frames and "\n" not in src.stopped.reason
    except SourceError as exc:
        assert "\n" not in str(exc) and path.name in str(exc)


def check_image(path: Path) -> None:
    """Load ``path``; succeed with a BGR uint8 array or raise ImageError."""
    try:
        img = load_image(path, max_side=64)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and max(img.shape[:2]) <= 64
    except ImageError as exc:
        assert "\n" not in str(exc) and path.name in str(exc)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(VIDEO_SUFFIXES))
def test_random_bytes_as_video(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    check_video(path)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(IMAGE_SUFFIXES))
def test_random_bytes_as_image(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    check_image(path)


@FUZZ
@given(name=st.sampled_from(["s.mp4", "s.avi", "s.mkv", "s.ts"]), steps=DAMAGE)
def test_damaged_videos(tmp_path: Path, seeds: dict[str, bytes], name: str, steps) -> None:
    path = tmp_path / f"damaged{Path(name).suffix}"
    path.write_bytes(damage(seeds[name], steps))
    check_video(path)


@FUZZ
@given(name=st.sampled_from(["s.jpg", "s.png", "s.webp", "p.png"]), steps=DAMAGE)
def test_damaged_images(tmp_path: Path, seeds: dict[str, bytes], name: str, steps) -> None:
    path = tmp_path / f"damaged{Path(name).suffix}"
    path.write_bytes(damage(seeds[name], steps))
    check_image(path)
    check_video(path)  # a damaged photo given to the video reader fails cleanly too
