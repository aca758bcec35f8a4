"""Hardening (issue 9) as a user meets it: the real ``sponsorlens`` CLI on damaged, odd and hostile
inputs, unwritable outputs and untrusted files. Every input is generated here; the model is the
untrained ``yaml_model`` (zero detections) unless a test replaces its predictions on purpose."""

from __future__ import annotations

import ast
import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from media_factory import frame_id, frame_image, truncate, write_av_video, write_cv_video
from PIL import Image
from typer.testing import CliRunner, Result

import vision.io.sources  # noqa: F401  (sets FFmpeg's log level before any video is written)
from cli.errors import EXIT_CONFIG, EXIT_INPUT, EXIT_MODEL, EXIT_OUTPUT
from cli.main import app
from measure.settings import Config, MeasureSettings
from vision.inference.detections import Detections
from vision.inference.detector import LogoDetector

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
FAST = ["--imgsz", "160"]


def cli(*args: object, env: dict[str, str] | None = None) -> Result:
    """Run ``sponsorlens ARGS`` in this process."""
    return runner.invoke(app, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args], env=env)


def stderr_lines(text: str) -> list[str]:
    """Lines a terminal would show: what is left of each line after progress bars redrew it."""
    return [seg.rsplit("\r", 1)[-1] for seg in text.split("\n") if seg.rsplit("\r", 1)[-1].strip()]


def assert_one_line_error(res: Result, code: int, *needles: str) -> str:
    """Assert the exit code, exactly one ``error:`` line on stderr, nothing on stdout; return it."""
    lines = stderr_lines(res.stderr)
    assert res.exit_code == code, (res.exit_code, res.output, res.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def assert_nothing_written(out: Path) -> None:
    """No output directory, and no temporary directory beside it."""
    assert not out.exists()
    parent = out.parent
    if parent.is_dir():
        assert not [p.name for p in parent.iterdir() if p.name.startswith(f".{out.name}.")]


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text("utf-8"))


def avi_frame_ends(data: bytes) -> list[int]:
    """Byte offset where each frame's chunk ends in an AVI file (parsed from the RIFF structure)."""
    pos, ends = data.find(b"movi") + 4, []
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"LIST":
            pos += 12
            continue
        if cid == b"idx1":
            break
        if cid[2:] in (b"dc", b"db"):
            ends.append(pos + 8 + size)
        pos += 8 + size + (size & 1)
    return ends


# ------------------------------------------------------------------------ damaged and odd videos


def _truncated(tmp: Path) -> tuple[Path, int]:
    full = write_cv_video(tmp / "full.avi", "MJPG", n=30, fps=25.0)
    data = full.read_bytes()
    cut = int(len(data) * 0.6)
    return truncate(full, tmp / "cut.avi", 0.6), sum(e <= cut for e in avi_frame_ends(data))


def _zeroed_middle(tmp: Path) -> tuple[Path, int]:
    full = write_cv_video(tmp / "full.avi", "MJPG", n=30, fps=25.0)
    data = bytearray(full.read_bytes())
    start, length = len(data) // 2, len(data) // 10
    data[start : start + length] = bytes(length)
    (tmp / "hole.avi").write_bytes(bytes(data))
    return tmp / "hole.avi", sum(e <= start for e in avi_frame_ends(full.read_bytes()))


@pytest.mark.parametrize("damage", [_truncated, _zeroed_middle], ids=["truncated", "zeroed-middle"])
def test_damaged_video_gives_a_partial_report_that_says_where_and_why(
    tmp_path: Path, yaml_model: Path, damage, capfd: pytest.CaptureFixture[str]
) -> None:
    video, intact = damage(tmp_path)
    capfd.readouterr()
    assert 5 < intact < 25  # the damage really is mid-stream
    out = tmp_path / "out"
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    rep = report(out)
    n = rep["source"]["analysed_frames"]
    # every intact frame before the damage; the decoder may also conceal the half-kept frame
    assert n in (intact, intact + 1)
    assert rep["stopped"]["frame"] == n
    assert rep["stopped"]["t"] == pytest.approx(n / 25, abs=1e-6)
    assert "truncated or damaged" in rep["stopped"]["reason"] and "of 30 frames" in rep["stopped"]["reason"]
    assert rep["source"]["frames"] == 30  # what the file promised
    assert rep["source"]["duration_s"] == pytest.approx(n / 25, abs=1e-6)  # the numbers cover up to there
    warnings = [ln for ln in stderr_lines(res.stderr) if ln.startswith("warning:")]
    assert len(warnings) == 1 and f"frame {n} ({n / 25:.2f} s)" in warnings[0] and video.name in warnings[0]
    assert "Traceback" not in res.output
    # no decoder chatter: what FFmpeg/OpenCV write goes straight to the process's fd 1 and 2
    native = "".join(capfd.readouterr())
    assert not re.search(r"^\[(OPENCV:|\s*(WARN|ERROR|INFO):|\w+ @ )", native, re.M), native


def test_zero_frame_video_is_a_one_line_error(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "zero.avi", "MJPG", n=0)
    assert video.stat().st_size > 0
    out = tmp_path / "out"
    assert_one_line_error(
        cli("analyze", video, "--out", out, "--weights", yaml_model),
        EXIT_INPUT,
        "zero.avi",
        "no video frames",
    )
    assert_nothing_written(out)


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(frame_image(3)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.mp4", b"this is not a video\n" * 50, "not a video"),
        (
            "noise.mkv",
            np.random.default_rng(5).integers(0, 256, 20_000, dtype=np.uint8).tobytes(),
            "cannot decode",
        ),
        ("photo.mov", None, "still image"),
        ("empty.avi", b"", "empty file"),
    ],
)
def test_non_video_file_with_a_video_extension(
    tmp_path: Path, yaml_model: Path, name: str, content: bytes | None, reason: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(_jpeg_bytes() if content is None else content)
    out = tmp_path / "out"
    assert_one_line_error(
        cli("analyze", bad, "--out", out, "--weights", yaml_model), EXIT_INPUT, name, reason
    )
    assert_nothing_written(out)


VFR_PTS_MS = [0, 40, 80, 200, 240, 400, 440, 480, 700, 740]  # last frame ends at 0.78 s


def _zero_rate_avi(tmp: Path) -> Path:
    """An AVI whose headers say 0 microseconds per frame and a 0/0 frame rate."""
    data = bytearray(write_cv_video(tmp / "src.avi", "MJPG", n=20, fps=25.0).read_bytes())
    struct.pack_into("<I", data, data.find(b"avih") + 8, 0)
    struct.pack_into("<II", data, data.find(b"strh") + 28, 0, 0)
    (tmp / "zero-rate.avi").write_bytes(bytes(data))
    return tmp / "zero-rate.avi"


@pytest.mark.parametrize(
    ("make", "frames", "duration"),
    [
        (lambda d: write_av_video(d / "vfr.mp4", VFR_PTS_MS, size=(160, 120)), 10, 0.78),
        (
            lambda d: write_av_video(
                d / "norate.mkv", VFR_PTS_MS, codec="mjpeg", no_rate=True, size=(160, 120)
            ),
            10,
            0.78,
        ),
        (_zero_rate_avi, 20, 0.8),
    ],
    ids=["vfr-mp4", "no-rate-vfr-mkv", "zero-rate-avi"],
)
def test_variable_missing_or_zero_frame_rate_gives_true_duration(
    tmp_path: Path, yaml_model: Path, make, frames: int, duration: float
) -> None:
    video = make(tmp_path)
    out = tmp_path / "out"
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    src = report(out)["source"]
    assert src["analysed_frames"] == frames == src["frames"]
    assert src["duration_s"] == pytest.approx(duration, abs=0.003)
    assert src["fps"] > 0 and report(out)["stopped"] is None
    assert not [ln for ln in stderr_lines(res.stderr) if ln.startswith("warning:")]


def test_phone_video_with_rotation_flag_is_reported_upright(tmp_path: Path, yaml_model: Path) -> None:
    video = write_av_video(tmp_path / "phone.mp4", [0, 40, 80, 120], rotation=90, size=(160, 120))
    out = tmp_path / "out"
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    src = report(out)["source"]
    assert (src["width"], src["height"]) == (120, 160)  # stored landscape, shown portrait
    assert src["analysed_frames"] == 4


# ------------------------------------------------------------------------------------------ photos


def test_photos_in_every_awkward_format_are_analysed(tmp_path: Path, yaml_model: Path) -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    d = tmp_path / "archive"
    d.mkdir()
    eight_k = np.zeros((4320, 7680, 3), np.uint8)
    eight_k[::64] = 255
    Image.fromarray(eight_k).save(d / "8k.jpg", quality=70)
    Image.fromarray(rgb).convert("L").save(d / "grey.png")
    Image.fromarray(rng.integers(0, 65535, (120, 160)).astype(np.uint16)).save(d / "deep16.png")
    Image.fromarray(rgb).convert("CMYK").save(d / "cmyk.jpg")
    Image.fromarray(rgb).convert("CMYK").save(d / "cmyk.tif")
    Image.fromarray(rgb).quantize(16).save(d / "palette.png")
    Image.fromarray(rgb).quantize(16).save(d / "palette-transparent.png", transparency=0)
    expected_sizes = {"8k.jpg": (7680, 4320)}
    for tag in (3, 6, 8):  # rotated 180, 90 clockwise, 90 counter-clockwise
        exif = Image.Exif()
        exif[0x0112] = tag
        Image.fromarray(rgb).save(d / f"exif{tag}.jpg", exif=exif)
        expected_sizes[f"exif{tag}.jpg"] = (160, 120) if tag == 3 else (120, 160)
    modes = {p.name: Image.open(p).mode for p in d.iterdir()}
    assert {"L", "I;16", "CMYK", "P"} <= set(modes.values())  # the files really are in these modes

    out = tmp_path / "out"
    res = cli("photos", d, "--out", out, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    rep = report(out)
    assert rep["source"]["photos"] == rep["photos"]["photos"] == len(modes) == 10
    assert rep["source"]["failed"] == 0 and rep["failures"] == []
    assert not [ln for ln in stderr_lines(res.stderr) if ln.startswith(("warning:", "error:"))]
    sizes = pd.read_csv(out / "photos.csv").set_index("photo")
    for name, (w, h) in expected_sizes.items():
        assert (sizes.loc[str(d / name), "width"], sizes.loc[str(d / name), "height"]) == (w, h), name
    for name in set(modes) - set(expected_sizes):
        assert (sizes.loc[str(d / name), "width"], sizes.loc[str(d / name), "height"]) == (160, 120), name
    _assert_reproducible(rep, yaml_model)


# ------------------------------------------------------------------------------------------- paths


def test_unicode_paths_for_input_output_and_evidence(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "vidéo ünï 視頻 🎥.avi", "MJPG", n=5)
    out = tmp_path / "résultats 結果 🎥"
    res = cli(
        "analyze", video, "--out", out, "--weights", yaml_model, *FAST, "--evidence", tmp_path / "preuves ü"
    )
    assert res.exit_code == 0, res.output
    assert report(out)["source"]["path"] == str(video)
    assert (tmp_path / "preuves ü" / "index.csv").is_file()


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file system that takes any bytes in names")
def test_paths_that_are_not_utf8(tmp_path: Path, yaml_model: Path) -> None:
    raw = os.fsencode(tmp_path)
    video = os.fsdecode(raw + b"/caf\xe9 vid\xe9o.avi")
    write_cv_video(tmp_path / "plain.avi", "MJPG", n=5).rename(video)
    out = os.fsdecode(raw + b"/r\xe9sultats")
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST, "--html")
    assert res.exit_code == 0, res.output
    assert (Path(out) / "report.html").is_file()
    rep = report(Path(out))
    assert rep["source"]["path"].endswith("/caf\\xe9 vid\\xe9o.avi")  # escaped, valid UTF-8
    assert rep["source"]["analysed_frames"] == 5

    photos = os.fsdecode(raw + b"/ph\xf6tos")
    os.mkdir(photos)
    Image.fromarray(frame_image(1)).save(os.path.join(photos, "img.png"))
    Image.fromarray(frame_image(2)).save(os.fsdecode(raw + b"/ph\xf6tos/\xff.jpg"))
    pout = os.fsdecode(raw + b"/ph\xf6to-out")
    res = cli("photos", photos, "--out", pout, "--weights", yaml_model, *FAST)
    assert res.exit_code == 0, res.output
    rep = report(Path(pout))
    assert rep["photos"]["photos"] == 2 and rep["source"]["failed"] == 0
    assert any(p.endswith("/\\xff.jpg") for p in pd.read_csv(Path(pout) / "photos.csv")["photo"])


# ------------------------------------------------------------------------------ unwritable output


@contextlib.contextmanager
def unwritable(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Make ``directory`` refuse new entries and renames; yield how it was done.

    Not root: ``chmod 555``. Root ignores permissions, so: the immutable flag (``chattr +i``, which
    binds root too) where the file system has it, else the kernel's refusal is simulated by
    making ``mkdtemp`` in it and ``os.replace`` of it raise EPERM.
    """
    if os.geteuid() != 0:
        directory.chmod(0o555)
        try:
            yield "chmod 555"
        finally:
            directory.chmod(0o755)
        return
    if (
        shutil.which("chattr")
        and subprocess.run(["chattr", "+i", directory], capture_output=True).returncode == 0
    ):
        try:
            yield "chattr +i"
        finally:
            subprocess.run(["chattr", "-i", directory], check=True)
        return
    target = directory.resolve()
    real_mkdtemp, real_replace = tempfile.mkdtemp, os.replace

    def mkdtemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve() == target:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(dir))
        return real_mkdtemp(*args, dir=dir, **kwargs)

    def replace(src, dst):
        if Path(src).resolve() == target:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(src))
        return real_replace(src, dst)

    with monkeypatch.context() as m:
        m.setattr(tempfile, "mkdtemp", mkdtemp)
        m.setattr(os, "replace", replace)
        yield "simulated EPERM"


def test_output_under_a_file_or_in_a_read_only_directory_fails_fast(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = write_cv_video(tmp_path / "clip.avi", "MJPG", n=5)
    (tmp_path / "a-file").write_text("not a directory")
    for out in (tmp_path / "a-file", tmp_path / "a-file" / "out"):
        res = cli("analyze", video, "--out", out, "--weights", yaml_model)
        assert_one_line_error(res, EXIT_OUTPUT, "a-file")
        assert "%|" not in res.stderr  # no progress bar ever drawn: it failed before the analysis
    assert (tmp_path / "a-file").read_text() == "not a directory"

    locked = tmp_path / "locked"
    locked.mkdir()
    with unwritable(locked, monkeypatch) as how:
        res = cli("analyze", video, "--out", locked / "out", "--weights", yaml_model)
        line = assert_one_line_error(res, EXIT_OUTPUT, "locked")
        assert "%|" not in res.stderr and list(locked.iterdir()) == [], how
        photo = tmp_path / "p.png"
        Image.fromarray(frame_image(1)).save(photo)
        res = cli("photos", photo, "--out", locked / "pout", "--weights", yaml_model)
        assert_one_line_error(res, EXIT_OUTPUT, "locked")
        assert "%|" not in res.stderr and list(locked.iterdir()) == [], how
    assert "cannot write output" in line


def test_an_earlier_output_that_cannot_be_replaced_is_kept_whole(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = write_cv_video(tmp_path / "clip.avi", "MJPG", n=5)
    out = tmp_path / "out"
    assert cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with unwritable(out, monkeypatch):
        res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST, "--conf", "0.5")
        assert res.exit_code == EXIT_OUTPUT and stderr_lines(res.stderr)[-1].startswith("error: ")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.avi", "out"]  # no .partial, no .old

    # the earlier output moved aside, then the new one fails to move in: the earlier one goes back
    real_replace = os.replace

    def new_one_stuck(src, dst):
        if str(src).endswith(".partial"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", new_one_stuck)
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST, "--conf", "0.5")
    monkeypatch.undo()
    assert res.exit_code == EXIT_OUTPUT and "Permission denied" in stderr_lines(res.stderr)[-1]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.avi", "out"]


def _enospc(path: object) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_full_disk_leaves_no_partial_output_and_keeps_the_earlier_one(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = write_cv_video(tmp_path / "clip.avi", "MJPG", n=5)
    out = tmp_path / "out"

    def full_disk(self, path, *args, **kwargs):
        raise _enospc(path)

    import pyarrow.parquet as pq

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full_disk)
    line = assert_one_line_error(
        cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST),
        EXIT_OUTPUT,
        "No space left on device",
    )
    assert str(out) in line
    assert_nothing_written(out)
    monkeypatch.undo()

    assert cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real_write_text = Path.write_text

    def report_fails(self: Path, *args, **kwargs):
        if self.name == "report.json":
            raise _enospc(self)
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", report_fails)
    res = cli("analyze", video, "--out", out, "--weights", yaml_model, *FAST, "--conf", "0.5")
    assert res.exit_code == EXIT_OUTPUT and "No space left on device" in stderr_lines(res.stderr)[-1]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # the earlier run, intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.avi", "out"]

    photo = tmp_path / "p.png"
    Image.fromarray(frame_image(1)).save(photo)
    assert_one_line_error(
        cli("photos", photo, "--out", tmp_path / "pout", "--weights", yaml_model, *FAST),
        EXIT_OUTPUT,
        "No space",
    )
    assert_nothing_written(tmp_path / "pout")


# ----------------------------------------------------------------------------- untrusted files


def test_weights_failing_their_checksum_are_never_unpickled(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    weights = tmp_path / "acme.pt"
    shutil.copy(yaml_model, weights)
    shutil.copy(yaml_model.with_suffix(".json"), weights.with_suffix(".json"))
    with open(weights, "ab") as f:
        f.write(b"\0")
    loaded: list[str] = []
    real_load = torch.load

    def spy(f, *args, **kwargs):
        loaded.append(os.fspath(f) if isinstance(f, str | Path) else repr(f))
        return real_load(f, *args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    video = write_cv_video(tmp_path / "clip.avi", "MJPG", n=3)
    photo = tmp_path / "p.png"
    Image.fromarray(frame_image(1)).save(photo)
    for cmd, src in (("analyze", video), ("photos", photo)):
        out = tmp_path / f"out-{cmd}"
        assert_one_line_error(
            cli(cmd, src, "--out", out, "--weights", weights), EXIT_MODEL, "sha256", "acme.pt"
        )
        assert_nothing_written(out)
    bare = tmp_path / "bare.pt"  # a pickle without a model card to check it against
    shutil.copy(yaml_model, bare)
    assert_one_line_error(
        cli("analyze", video, "--out", tmp_path / "o", "--weights", bare), EXIT_MODEL, "model card"
    )
    assert loaded == []
    # the spy does see the load of verified weights, so the empty list above means something
    assert cli("analyze", video, "--out", tmp_path / "ok", "--weights", yaml_model, *FAST).exit_code == 0
    assert any("acme.pt" in p for p in loaded)


BAD_CONFIGS = [
    ("toml", "[measure]\nmin_clarity = 3\n", "measure.min_clarity"),
    ("toml", "[measure]\nmax_gap_s = inf\n", "measure.max_gap_s"),
    ("toml", "[measure]\nmin_side_px = -4\n", "measure.min_side_px"),
    ("toml", "[rate_card]\ndefault_per_s = nan\n", "rate_card.default_per_s"),
    ("toml", "[rate_card.rates]\nAcme = -120.0\n", "rate_card.rates"),
    ("toml", "[measure]\nweights = '../../etc/passwd'\n", "measure.weights"),
    ("toml", "output_dir = '/etc'\n", "output_dir"),
    ("toml", "[measure\n", "not valid TOML"),
    ("yaml", "measure:\n  min_exposure_s: -1\n", "measure.min_exposure_s"),
    ("yaml", "measure:\n  min_clarity: true\n", "measure.min_clarity"),
    ("yaml", "rate_card:\n  rates:\n    Acme: .nan\n", "rate_card.rates.Acme"),
    ("yaml", "rate_card:\n  currency: ''\n", "rate_card.currency"),
    ("yaml", "sponsors: Acme\n", "sponsors"),
    ("yaml", "- just\n- a list\n", "(top level)"),
    ("yaml", "rate_card:\n  path: ../secret\n", "rate_card.path"),
    ("json", '{"measure": {"max_gap_s": "0.5"}}', "measure.max_gap_s"),
    ("json", '{"rate_card": {"rates": {"Acme": NaN}}}', "rate_card.rates.Acme"),
    ("json", '{"rate_card": {"rates": {"Acme": Infinity}}}', "rate_card.rates.Acme"),
    ("json", '{"sponsors": ["Acme", 7]}', "sponsors.1"),
    ("json", '{"measure": {"min_clarity": 0.3,}}', "not valid JSON"),
]


@pytest.mark.parametrize(("fmt", "text", "field"), BAD_CONFIGS)
def test_bad_config_is_refused_naming_the_field(
    tmp_path: Path, yaml_model: Path, fmt: str, text: str, field: str
) -> None:
    config = tmp_path / f"settings.{fmt}"
    config.write_text(text)
    video = tmp_path / "never-opened.mp4"  # the config is read first: no video or model is needed
    out = tmp_path / "out"
    assert_one_line_error(
        cli("analyze", video, "--out", out, "--weights", yaml_model, "--config", config),
        EXIT_CONFIG,
        f"settings.{fmt}: ",
        field,
    )
    assert_nothing_written(out)


def test_config_naming_sponsors_the_model_does_not_know_is_refused(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "clip.avi", "MJPG", n=3)
    photo = tmp_path / "p.png"
    Image.fromarray(frame_image(1)).save(photo)
    cases = [
        ("analyze", video, "rates.toml", "[rate_card.rates]\nAcme = 10.0\nNobody = 5.0\n", "Nobody"),
        ("photos", photo, "only.yaml", "sponsors: [Acme, ../../etc/passwd]\n", "../../etc/passwd"),
        (
            "analyze",
            video,
            "both.json",
            '{"sponsors": ["Bolt"], "rate_card": {"rates": {"Ghost": 1.0}}}',
            "Ghost",
        ),
    ]
    for cmd, src, name, text, unknown in cases:
        (tmp_path / name).write_text(text)
        out = tmp_path / f"out-{name}"
        line = assert_one_line_error(
            cli(cmd, src, "--out", out, "--weights", yaml_model, *FAST, "--config", tmp_path / name),
            EXIT_CONFIG,
            "does not know",
            unknown,
        )
        assert "Acme" not in line.split("(model classes")[0] and "Bolt" not in line.split("(model classes")[0]
        assert_nothing_written(out)


def test_config_has_no_path_fields_and_no_lax_values() -> None:
    """Nothing in a config can name a file, so no config value can lead the tool elsewhere."""
    from measure.settings import RateCard

    models = (Config, MeasureSettings, RateCard)
    annotations = [str(f.annotation) for m in models for f in m.model_fields.values()]
    assert len(annotations) >= 7 and not [a for a in annotations if "path" in a.lower()]
    for model in models:
        assert model.model_config.get("extra") == "forbid"
        assert model.model_config.get("strict") and model.model_config.get("allow_inf_nan") is False


FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "__import__", "pickle.load", "pickle.loads", "pickle.Unpickler", "dill.load",
    "joblib.load", "marshal.loads", "shelve.open", "torch.load", "yaml.load", "yaml.unsafe_load",
    "yaml.full_load", "pd.read_pickle", "pandas.read_pickle", "os.system",
}  # fmt: skip


def _call_name(node: ast.Call) -> str:
    f = node.func
    parts = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def audit(source: str, rel: str) -> list[str]:
    """Return the unsafe calls in one module's source: eval/exec/unpickling calls, ``shell=True``,
    ``allow_pickle``, and YOLO models built without :func:`vision.inference.modelcard.verify_weights` first.

    ultralytics unpickles a ``.pt`` when a YOLO model is built from it, so every function that
    builds one must have checked the file against its model card earlier in the same function
    (``vision/training/train.py`` is exempt: it builds from an architecture yaml and reloads only the file
    its own training run just wrote).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and rel != "vision/training/train.py":
            calls = [
                (n.lineno, _call_name(n).rsplit(".", 1)[-1])
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
            ]
            yolo = [ln for ln, name in calls if name == "YOLO"]
            verify = [ln for ln, name in calls if name == "verify_weights"]
            if yolo and not (verify and min(verify) < min(yolo)):
                found.append(f"{rel}:{min(yolo)} {node.name} builds YOLO from unverified weights")
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in FORBIDDEN_CALLS or ".".join(name.rsplit(".", 2)[-2:]) in FORBIDDEN_CALLS:
            found.append(f"{rel}:{node.lineno} {name}")
        if name.rsplit(".", 1)[-1] == "load" and any(k.arg == "allow_pickle" for k in node.keywords):
            found.append(f"{rel}:{node.lineno} {name}(allow_pickle=...)")
        if any(k.arg == "shell" and getattr(k.value, "value", False) is not False for k in node.keywords):
            found.append(f"{rel}:{node.lineno} {name}(shell=...)")
    return found


def test_no_eval_exec_or_unpickling_of_user_files_in_the_source_tree() -> None:
    files = [p for top in ("vision", "measure", "cli", "bench") for p in (REPO / top).rglob("*.py")]
    assert len(files) > 20
    assert [f for p in files for f in audit(p.read_text("utf-8"), p.relative_to(REPO).as_posix())] == []
    # the audit does catch what it looks for
    bad = (
        "import pickle, torch, yaml\n"
        "def load(p):\n    m = YOLO(p)\n    verify_weights(p)\n    return pickle.load(open(p, 'rb'))\n"
        "x = eval('1'); torch.load('w.pt'); yaml.load(s); np.load(f, allow_pickle=True)\n"
        "subprocess.run(cmd, shell=True)\n"
    )
    assert len(audit(bad, "cli/bad.py")) == 7


# ------------------------------------------------------------------------- errors on the console


ERROR_CASES = [
    (["analyze", "{tmp}/missing.mp4", "--out", "{tmp}/o"], EXIT_INPUT, "file not found"),
    (["analyze", "{tmp}", "--out", "{tmp}/o"], EXIT_INPUT, "directory"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--sample-fps", "-2"], EXIT_INPUT, "sample-fps"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--conf", "1.5"], EXIT_INPUT, "--conf"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--weights", "{tmp}/none.pt"], EXIT_MODEL, "not found"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--config", "{tmp}/none.toml"], EXIT_CONFIG, "none.toml"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--config", "{clip}"], EXIT_CONFIG, "must be .toml"),
    (["analyze", "{clip}", "--out", "{tmp}/o", "--evidence", "{clip}"], EXIT_OUTPUT, "not a directory"),
    (["photos", "{tmp}/nothing-here", "--out", "{tmp}/o"], EXIT_INPUT, "not found"),
    (["photos", "{clip}", "--out", "{tmp}/o"], EXIT_INPUT, "not an image"),
    (["photos", "{tmp}/bad.jpg", "--out", "{tmp}/o"], EXIT_INPUT, "bad.jpg"),
    (["photos", "{tmp}/empty-folder", "--out", "{tmp}/o"], EXIT_INPUT, "no images"),
]


@pytest.mark.parametrize(
    ("args", "code", "needle"), ERROR_CASES, ids=lambda v: v if isinstance(v, str) else None
)
def test_every_user_error_is_one_line_with_its_exit_code(
    tmp_path: Path, yaml_model: Path, args: list[str], code: int, needle: str
) -> None:
    clip = write_cv_video(tmp_path / "clip.avi", "MJPG", n=3)
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a JPEG")
    (tmp_path / "empty-folder").mkdir()
    argv = [a.format(tmp=tmp_path, clip=clip) for a in args]
    if "--weights" not in argv:
        argv += ["--weights", str(yaml_model)]
    assert_one_line_error(cli(*argv, *FAST), code, needle)
    assert_nothing_written(tmp_path / "o")


DRIVER = """
import os, sys
from cli.main import app
try:
    app(sys.argv[1].split("|"), prog_name="sponsorlens")
except SystemExit as e:
    sys.stdout.flush(); sys.stderr.flush()
    os.write(2, f"@@rc={e.code}\\n".encode())
os.environ["SPONSORLENS_DEBUG"] = "1"
app(sys.argv[1].split("|"), prog_name="sponsorlens")  # as the console script: nothing catches it
"""


def test_real_process_stderr_and_the_debug_traceback(tmp_path: Path) -> None:
    """The app as the console script runs it, in a real process: a user error is one line on the
    real stderr, and with SPONSORLENS_DEBUG=1 the full traceback. One process runs both (the
    imports take seconds)."""
    args = ["analyze", str(tmp_path / "gone.mp4"), "--out", str(tmp_path / "out")]
    env = {k: v for k, v in os.environ.items() if k != "SPONSORLENS_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, "|".join(args)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    plain, debug = proc.stderr.split("@@rc=")
    assert plain == f"error: {tmp_path / 'gone.mp4'}: file not found\n" and proc.stdout == ""
    assert debug.startswith(f"{EXIT_INPUT}\n")
    assert proc.returncode == 1 and "Traceback (most recent call last)" in debug
    assert (
        debug.strip().splitlines()[-1]
        == f"vision.io.sources.SourceError: {tmp_path / 'gone.mp4'}: file not found"
    )
    assert_nothing_written(tmp_path / "out")


# ---------------------------------------------------------------------------------------- disputes


def _assert_reproducible(rep: dict, weights: Path) -> None:
    """The report names the model by checksum, every setting, and the tool version."""
    assert rep["model"]["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert rep["model"]["classes"] == ["Acme", "Bolt"]
    assert set(MeasureSettings.model_fields) <= set(rep["settings"])
    assert {"conf", "imgsz", "device", "rate_card", "sponsors"} <= set(rep["settings"])
    assert rep["tool"] == {"name": "sponsorlens", "version": metadata.version("sponsorlens")}


#: Fake detector output: sponsor -> (first frame, last frame) it is shown, box in the lower half.
SHOWN = {"Acme": [(0, 11), (24, 35)], "Bolt": [(6, 17)]}
BOXES = {"Acme": (10.0, 70.0, 70.0, 100.0), "Bolt": (90.0, 70.0, 150.0, 100.0)}


def _split_at(span: tuple[int, int], cuts: list[int]) -> list[tuple[int, int]]:
    """Return the frame span ``(first, last)`` split before each cut frame inside it."""
    first, last = span
    starts = [first, *(c for c in sorted(cuts) if first < c <= last)]
    return [(a, b - 1) for a, b in zip(starts, [*starts[1:], last + 1], strict=True)]


def _fake_predict(self: LogoDetector, images, frames, times) -> list[Detections]:
    out = []
    for f, t in zip(frames, times, strict=True):
        hits = [s for s, spans in SHOWN.items() if any(a <= f <= b for a, b in spans)]
        xyxy = np.array([BOXES[s] for s in hits], float).reshape(-1, 4)
        assert set(hits) <= set(self.names)
        out.append(Detections(xyxy, 0.9, np.asarray(hits, dtype=object), frame=f, time=t))
    return out


def test_evidence_writes_one_thumbnail_per_segment_traceable_to_frames(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = write_cv_video(tmp_path / "match.avi", "MJPG", n=40, fps=10.0)
    config = tmp_path / "lenient.toml"
    config.write_text("[measure]\nmin_clarity = 0.0\nmin_side_px = 0\n[rate_card.rates]\nAcme = 2.5\n")
    monkeypatch.setattr(LogoDetector, "predict", _fake_predict)
    out, evidence = tmp_path / "out", tmp_path / "evidence"
    args = [
        "analyze",
        video,
        "--out",
        out,
        "--weights",
        yaml_model,
        *FAST,
        "--config",
        config,
        "--evidence",
        evidence,
    ]

    # a full disk while writing the thumbnails: neither directory appears
    real_write_bytes = Path.write_bytes

    def thumbs_fail(self: Path, data: bytes) -> int:
        if self.name.startswith(".") and self.name.endswith(".partial.jpg"):  # measure.store.atomic_path
            raise _enospc(self)
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", thumbs_fail)
    assert_one_line_error(cli(*args), EXIT_OUTPUT, "No space left on device")
    assert_nothing_written(out)
    assert_nothing_written(evidence)
    monkeypatch.setattr(Path, "write_bytes", real_write_bytes)

    res = cli(*args)
    assert res.exit_code == 0, res.output
    segments = pd.read_csv(out / "segments.csv")
    # the bar-coded frames change abruptly (frame 7 to 8 flips four bars): the cut detector may see
    # cuts there, and a segment ends at every cut
    cuts = [round(c * 10) for c in report(out)["source"]["cuts_s"]]
    truth = sorted(
        (s, a, b) for s, spans in SHOWN.items() for span in spans for a, b in _split_at(span, cuts)
    )
    assert (
        sorted(zip(segments["sponsor"], segments["start_frame"], segments["end_frame"], strict=True)) == truth
    )
    for row in segments.itertuples():
        assert row.start_s == pytest.approx(row.start_frame / 10) and row.end_s == pytest.approx(
            (row.end_frame + 1) / 10
        )
    index = pd.read_csv(evidence / "index.csv")
    assert len(index) == len(segments) == len(truth) and index["written"].all()
    assert sorted(p.name for p in evidence.glob("*.jpg")) == sorted(index["file"])
    for row in index.itertuples():
        seg = segments.iloc[row.segment]
        assert (row.sponsor, row.start_frame, row.end_frame) == (seg.sponsor, seg.start_frame, seg.end_frame)
        assert seg.start_frame <= row.best_frame <= seg.end_frame
        thumb = np.asarray(Image.open(evidence / row.file).convert("RGB"))[..., ::-1]
        assert frame_id(thumb) == row.best_frame  # the thumbnail is that very frame of the video
    rep = report(out)
    _assert_reproducible(rep, yaml_model)
    assert rep["settings"]["min_clarity"] == 0.0 and rep["settings"]["rate_card"]["rates"] == {"Acme": 2.5}
    assert rep["settings"]["imgsz"] == 160
