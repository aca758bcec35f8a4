"""Inputs that used to hang or exhaust memory (issue 23), each tried through the real CLI: named pipes
given directly or inside a folder, size-like options past their bounds (:mod:`measure.limits`),
video frames past the pixel limit, and the progress bar (with a rate) of a large photo archive.

A command that hangs fails its test after a timeout instead of hanging the suite: each run is in a
thread joined with a timeout, and a reader blocked on a FIFO is released by opening its other end."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from cli.errors import EXIT_INPUT, EXIT_MODEL
from cli.main import app
from measure import limits
from measure.errors import InputError
from vision.batch.sources import discover

runner = CliRunner()
FAST = ["--imgsz", "160", "--device", "cpu"]
#: Seconds a refused command may take (it must fail before any decoding or model loading).
QUICK_S = 30.0


def cli(*args: object) -> Result:
    """Run ``sponsorlens ARGS`` in this process."""
    return runner.invoke(app, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args])


def release_fifos(args: tuple[object, ...]) -> None:
    """Open every FIFO named in ``args`` (and below any folder named) for writing, then close it, so
    a reader blocked on it sees end of file and the hung command returns."""
    paths = [Path(a) for a in args if isinstance(a, Path)]
    below = [q for p in paths if p.is_dir() for q in p.rglob("*")]
    for fifo in [p for p in [*paths, *below] if p.is_fifo()]:
        with contextlib.suppress(OSError):  # no reader (any more): nothing to release
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def run_with_timeout(seconds: float, *args: object) -> Result:
    """Return ``cli(*args)``; fail the test (rather than hang) if it has not returned after ``seconds``."""
    box: list[Result] = []
    thread = threading.Thread(target=lambda: box.append(cli(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        release_fifos(args)
        thread.join(10)
        pytest.fail(f"sponsorlens {' '.join(map(str, args))} still running after {seconds} s")
    return box[0]


def lines(text: str) -> list[str]:
    """Lines a terminal would show: what is left of each line after progress bars redrew it."""
    return [seg.rsplit("\r", 1)[-1] for seg in text.split("\n") if seg.rsplit("\r", 1)[-1].strip()]


def one_error(res: Result, code: int, *needles: str) -> str:
    """Assert the exit code, one ``error:`` line naming ``needles``, no traceback; return the line."""
    errs = [ln for ln in lines(res.stderr) if ln.startswith("error: ")]
    assert res.exit_code == code, (res.exit_code, res.output, res.exception)
    assert len(errs) == 1 and "Traceback" not in res.output, res.stderr
    for needle in needles:
        assert needle in errs[0], (needle, errs[0])
    return errs[0]


def no_leftovers(folder: Path, out: Path) -> None:
    """Assert ``out`` and its hidden temporary folders do not exist in ``folder``."""
    assert not out.exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(f".{out.name}.")]


def write_photo(path: Path, size: tuple[int, int] = (32, 24), seed: int = 0) -> Path:
    """Write a small random JPEG of ``size`` (width, height) pixels; return its path."""
    rgb = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(rgb).save(path, quality=85)
    return path


def write_video(path: Path, size: tuple[int, int] = (64, 48), n: int = 3) -> Path:
    """Write an MJPG AVI of ``n`` flat frames of ``size`` (width, height); return its path."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, size)
    for i in range(n):
        writer.write(np.full((size[1], size[0], 3), 40 + 20 * i, np.uint8))
    writer.release()
    return path


# ----------------------------------------------------------------------------------- named pipes


def test_fifo_given_to_analyze_is_refused_at_once(tmp_path: Path, yaml_model: Path) -> None:
    pipe = tmp_path / "live.mp4"
    os.mkfifo(pipe)
    out = tmp_path / "out"
    start = time.perf_counter()
    res = run_with_timeout(QUICK_S, "analyze", pipe, "--out", out, "--weights", yaml_model, *FAST)
    one_error(res, EXIT_INPUT, "live.mp4: not a regular file (a named pipe (FIFO))")
    assert time.perf_counter() - start < QUICK_S
    no_leftovers(tmp_path, out)


def test_fifo_given_as_weights_is_refused(tmp_path: Path) -> None:
    pipe = tmp_path / "model.pt"
    os.mkfifo(pipe)
    video = write_video(tmp_path / "v.avi")
    res = run_with_timeout(QUICK_S, "analyze", video, "--out", tmp_path / "o", "--weights", pipe, *FAST)
    one_error(res, EXIT_MODEL, "model.pt: not a regular file")


def test_fifo_inside_a_photo_folder_is_skipped_with_a_warning(tmp_path: Path, yaml_model: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    write_photo(folder / "a.jpg")
    os.mkfifo(folder / "b.jpg")
    os.mkfifo(folder / "notes")  # not a photo name: not taken, so not worth a warning
    out = tmp_path / "out"
    res = run_with_timeout(60, "photos", folder, "--out", out, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    warnings = [ln for ln in lines(res.stderr) if ln.startswith("warning: ")]
    assert warnings == [f"warning: skipped {folder / 'b.jpg'}: not a regular file (a named pipe (FIFO))"]
    assert (out / "report.json").is_file()


def test_fifo_given_to_photos_directly_is_refused(tmp_path: Path, yaml_model: Path) -> None:
    pipe = tmp_path / "p.jpg"
    os.mkfifo(pipe)
    out = tmp_path / "out"
    res = run_with_timeout(QUICK_S, "photos", pipe, "--out", out, "--weights", yaml_model, *FAST)
    one_error(res, EXIT_INPUT, "p.jpg: not a regular file (a named pipe (FIFO))")
    no_leftovers(tmp_path, out)


def test_batch_discovery_refuses_a_fifo_and_warns_about_one_in_a_folder(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "clip.mp4")
    write_photo(tmp_path / "a.jpg")
    said: list[str] = []
    assert [Path(p).name for p, _ in discover([tmp_path], warn=said.append)] == ["a.jpg"]
    assert said == [f"skipped {tmp_path / 'clip.mp4'}: not a regular file (a named pipe (FIFO))"]
    with pytest.raises(InputError, match="not a regular file"):
        discover([tmp_path / "clip.mp4"])


# ----------------------------------------------------------------------------------- size limits

HUGE = [
    (["analyze", "{video}"], ["--imgsz", "100000"], "--imgsz must be between 32 and 4096 pixels, got 100000"),
    (["analyze", "{video}"], ["--imgsz", "8"], "--imgsz must be between 32 and 4096"),
    (["analyze", "{video}"], ["--batch", "100000"], "--batch must be at most 256, got 100000"),
    (["analyze", "{video}"], ["--batch", "0"], "--batch must be at least 1"),
    (["analyze", "{video}"], ["--imgsz", "1280", "--batch", "64"], "use --batch 10 or less"),
    (["analyze", "{video}"], ["--sample-fps", "1e9"], "--sample-fps must be at most 1000 frames per second"),
    (["analyze", "{video}"], ["--sample-fps", "nan"], "--sample-fps must be a positive, finite number"),
    (["analyze", "{video}"], ["--sample-fps", "-2"], "--sample-fps must be a positive"),
    (["analyze", "{video}"], ["--read-fps", "inf"], "--read-fps must be a positive, finite number"),
    (["photos", "{photo}"], ["--imgsz", "100000"], "--imgsz must be between 32 and 4096"),
    (["photos", "{photo}"], ["--batch", "5000"], "--batch must be at most 256"),
    (["photos", "{photo}"], ["--imgsz", "4096", "--batch", "2"], "use --batch 1 or less"),
    (["batch", "{photo}", "--db", "{tmp}/b.duckdb"], ["--imgsz", "100000"], "--imgsz must be between"),
    (
        ["batch", "{photo}", "--db", "{tmp}/b.duckdb"],
        ["--sample-fps", "5000"],
        "--sample-fps must be at most",
    ),
    (["demo"], ["--imgsz", "100000"], "--imgsz must be between"),
    (
        ["export", "--weights", "{weights}", "--format", "onnx"],
        ["--imgsz", "100000"],
        "--imgsz must be between",
    ),
    (["train", "{tmp}", "--name", "x"], ["--imgsz", "100000"], "--imgsz must be between"),
    (["train", "{tmp}", "--name", "x"], ["--batch", "100000"], "--batch must be at most"),
    (
        ["adapt", "{video}", "--weights", "{weights}", "--logos", "{tmp}", "--name", "x"],
        ["--batch", "0"],
        "--batch must be at least 1",
    ),
]


@pytest.mark.parametrize(
    ("command", "option", "needle"), HUGE, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_size_like_options_past_their_bound_are_refused_before_any_work(
    tmp_path: Path, yaml_model: Path, command: list[str], option: list[str], needle: str
) -> None:
    names = {
        "video": write_video(tmp_path / "v.avi"),
        "photo": write_photo(tmp_path / "p.jpg"),
        "weights": yaml_model,
        "tmp": tmp_path,
    }
    argv = [a.format(**names) for a in command]
    out = tmp_path / "out"
    if command[0] in ("analyze", "photos", "demo"):
        argv += ["--out", str(out)]
    if command[0] in ("analyze", "photos", "batch"):
        argv += ["--weights", str(yaml_model), "--device", "cpu"]
    start = time.perf_counter()
    res = run_with_timeout(QUICK_S, *argv, *option)
    one_error(res, EXIT_INPUT, needle)
    assert time.perf_counter() - start < QUICK_S
    assert not out.exists() and not (tmp_path / "b.duckdb").exists()


def test_video_frames_past_the_pixel_limit_are_refused(tmp_path: Path, yaml_model: Path) -> None:
    video = write_video(tmp_path / "huge.avi", size=(8000, 6000), n=1)  # 48 MP > 40 MP
    out = tmp_path / "out"
    res = run_with_timeout(60, "analyze", video, "--out", out, "--weights", yaml_model, *FAST)
    one_error(res, EXIT_INPUT, "huge.avi: video frames too large: 8000x6000 = 48.0 megapixels (limit 40)")
    no_leftovers(tmp_path, out)


def test_limits_are_consistent() -> None:
    """The bounds allow every default and the demo (1280 px at batch 8), and refuse in one line."""
    assert limits.check_batch(8, limits.check_imgsz(640)) == 8
    assert limits.check_batch(8, limits.check_imgsz(1280)) == 8
    assert limits.check_batch(1, limits.check_imgsz(limits.MAX_IMGSZ)) == 1
    assert limits.MAX_FRAME_PIXELS > 8192 * 4320 and limits.MAX_IMAGE_PIXELS == 150_000_000
    for bad in (
        lambda: limits.check_imgsz(limits.MAX_IMGSZ + 1),
        lambda: limits.check_batch(limits.MAX_BATCH + 1),
        lambda: limits.check_fps(float("inf"), "--read-fps"),
    ):
        with pytest.raises(InputError) as info:
            bad()
        assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------------- progress


def test_photos_shows_progress_with_a_rate(tmp_path: Path, yaml_model: Path) -> None:
    """A large archive shows its progress: the count done and the rate in photos per second."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(40):
        write_photo(folder / f"p{i:03d}.jpg", seed=i)
    res = run_with_timeout(120, "photos", folder, "--out", tmp_path / "out", "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    assert re.search(r"photos: +\d+%.*\d+/40 \[.*photos?/s\]", res.stderr), res.stderr[-500:]
    # the bar clears itself at the end; the rate stays in the summary
    assert re.search(r"^analysed 40 photos in [\d.]+ s \([\d.]+ photos/s\)$", res.stdout, re.M), res.stdout


def test_a_photo_batch_is_cut_short_when_its_photos_hold_too_many_pixels(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--batch 8`` of 150-megapixel photos would hold 3.6 GB: a batch ends at MAX_HELD_PHOTO_PIXELS."""
    from vision.inference import photo_analysis
    from vision.inference.detector import LogoDetector

    paths = [write_photo(tmp_path / f"p{i}.jpg", size=(100, 100), seed=i) for i in range(7)]
    detector = LogoDetector(yaml_model, imgsz=32, device="cpu")
    sizes: list[int] = []
    predict = detector.predict
    monkeypatch.setattr(
        detector, "predict", lambda images, *a, **k: sizes.append(len(images)) or predict(images, *a, **k)
    )
    monkeypatch.setattr(photo_analysis, "MAX_HELD_PHOTO_PIXELS", 25_000)  # 3 photos of 10,000 pixels
    results = list(photo_analysis.detect_photos(paths, detector, batch_size=8))
    assert len(results) == 7 and sizes == [3, 3, 1]
