"""The user's files are never lost: every case through the real CLI, byte for byte.

An output (``--out``, ``--annotate``, ``--evidence``) that is, contains or sits inside an input or
another output is refused before any work; an existing ``--out`` is replaced only when it is an
earlier SponsorLens analysis; interrupted runs leave nothing behind and stale temporary folders are
cleared by the next run.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest
from media_factory import write_cv_video
from typer.testing import CliRunner

from cli.main import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Return ``{relative path: (mode, sha256 or 'dir')}`` of everything under ``root``, root included."""
    out = {".": (root.stat().st_mode, "dir")}
    for p in sorted(root.rglob("*")):
        digest = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        out[str(p.relative_to(root))] = (p.lstat().st_mode, digest)
    return out


def ours(tmp: Path) -> list[Path]:
    """Return SponsorLens's folders in the temporary folder ``tmp`` (torch keeps caches there too)."""
    return [p for p in tmp.iterdir() if p.name.startswith("sponsorlens-")]


def analyze(video: Path, *args: str | Path, model: Path) -> object:
    base = ["analyze", str(video), "--weights", str(model), "--imgsz", "160", "--device", "cpu"]
    return runner.invoke(app, [*base, *map(str, args)])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A user's folder: the input video, another video, notes, and a subfolder with a photo."""
    root = tmp_path / "match"
    (root / "sub").mkdir(parents=True)
    write_cv_video(root / "in.mp4", n=12)
    write_cv_video(root / "other.mp4", n=5)
    (root / "notes.txt").write_text("do not lose me")
    cv2.imwrite(str(root / "sub" / "p.jpg"), np.full((40, 60, 3), 128, np.uint8))
    root.chmod(0o755)
    return root


def test_out_holding_the_input_is_refused_and_nothing_changes(folder: Path, yaml_model: Path) -> None:
    before = snapshot(folder)
    res = analyze(folder / "in.mp4", "--out", folder, model=yaml_model)
    assert res.exit_code == 6, res.output
    assert "contains the input" in res.output or "not an earlier SponsorLens analysis" in res.output
    assert snapshot(folder) == before


def test_out_that_is_a_users_folder_is_refused_even_without_the_input(
    folder: Path, yaml_model: Path, tmp_path: Path
) -> None:
    video = write_cv_video(tmp_path / "elsewhere.mp4", n=12)
    before = snapshot(folder)
    res = analyze(video, "--out", folder, model=yaml_model)
    assert res.exit_code == 6 and "not an earlier SponsorLens analysis" in res.output, res.output
    assert snapshot(folder) == before


def test_photos_out_equal_to_the_archive_is_refused(folder: Path, yaml_model: Path) -> None:
    before = snapshot(folder)
    args = ["photos", str(folder), "--out", str(folder), "--weights", str(yaml_model), "--device", "cpu"]
    res = runner.invoke(app, args)
    assert res.exit_code == 6, res.output
    res = runner.invoke(app, [*args[:3], str(folder / "sub" / "report"), *args[4:]])
    assert res.exit_code == 6 and "is inside the input" in res.output, res.output
    assert snapshot(folder) == before


def test_annotate_over_the_input_is_refused(folder: Path, yaml_model: Path, tmp_path: Path) -> None:
    before = snapshot(folder)
    res = analyze(
        folder / "in.mp4", "--out", tmp_path / "o", "--annotate", folder / "in.mp4", model=yaml_model
    )
    assert res.exit_code == 6 and "--annotate" in res.output and "is the input" in res.output, res.output
    assert snapshot(folder) == before and not (tmp_path / "o").exists()


def test_evidence_equal_to_or_inside_out_is_refused(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    out = tmp_path / "o"
    for evidence in (out, out / "evidence"):
        res = analyze(video, "--out", out, "--evidence", evidence, model=yaml_model)
        assert res.exit_code == 6 and "--evidence" in res.output, res.output
        assert not out.exists()


def test_out_dot_fails_before_any_work(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vision.inference.analysis

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("analysed before --out was checked")

    monkeypatch.setattr(vision.inference.analysis, "analyse_video_file", must_not_run)
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    res = analyze(video, "--out", ".", model=yaml_model)
    assert res.exit_code == 6, res.output
    assert snapshot(tmp_path) == before


def test_an_earlier_analysis_is_replaced_and_a_touched_one_is_not(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    out = tmp_path / "o"
    assert analyze(video, "--out", out, model=yaml_model).exit_code == 0
    out.chmod(0o750)
    first = (out / "report.json").read_bytes()
    res = analyze(video, "--out", out, "--sample-fps", "5", model=yaml_model)
    assert res.exit_code == 0, res.output
    assert (out / "report.json").read_bytes() != first and (out.stat().st_mode & 0o777) == 0o750
    (out / "my-notes.txt").write_text("mine")
    before = snapshot(out)
    res = analyze(video, "--out", out, model=yaml_model)
    assert res.exit_code == 6 and "not an earlier SponsorLens analysis" in res.output
    assert snapshot(out) == before


def test_a_new_out_gets_the_usual_permissions(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    mask = os.umask(0o022)
    try:
        assert analyze(video, "--out", tmp_path / "o", model=yaml_model).exit_code == 0
    finally:
        os.umask(mask)
    assert ((tmp_path / "o").stat().st_mode & 0o777) == 0o755  # not mkdtemp's 0700


def test_stale_partial_folders_are_removed_and_live_ones_kept(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    stale = tmp_path / ".o.abc123.partial"
    (stale / "frames").mkdir(parents=True)
    (stale / "report.json").write_text("{}")
    live = tmp_path / ".o.live99.partial"
    live.mkdir()
    holder = subprocess.Popen(  # another run, still writing: it holds the folder's lock
        [
            sys.executable,
            "-c",
            f"import fcntl, os, time; fd = os.open({str(live)!r}, os.O_RDONLY); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        res = analyze(video, "--out", tmp_path / "o", model=yaml_model)
        assert res.exit_code == 0, res.output
        assert not stale.exists() and live.is_dir()
    finally:
        holder.kill()
        holder.wait()
    fd = os.open(live, os.O_RDONLY)  # the holder is gone: its lock went with it
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)


def test_sigterm_cleans_up_like_ctrl_c(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "long.mp4", n=3000, size=(320, 240))
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "cli.main", "analyze", str(video), "--out", str(out)]
    cmd += ["--weights", str(yaml_model), "--imgsz", "160", "--device", "cpu", "--conf", "0.001"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    me = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while sum(me.cpu_times()[:2]) < 8.0:  # the model is loaded and frames are analysed
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mp4"]  # no out, no .o.*.partial


def test_symlinked_folders_are_followed_and_copies_counted_once(tmp_path: Path, yaml_model: Path) -> None:
    archive, elsewhere = tmp_path / "archive", tmp_path / "elsewhere"
    archive.mkdir()
    elsewhere.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        cv2.imwrite(str(archive / f"a{i}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    for i in range(2):
        cv2.imwrite(str(elsewhere / f"e{i}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    shutil.copy(archive / "a0.jpg", elsewhere / "copy_of_a0.jpg")
    (archive / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(archive, target_is_directory=True)  # a loop back to the top
    before = snapshot(archive)
    args = ["photos", str(archive), "--out", str(tmp_path / "o"), "--weights", str(yaml_model)]
    res = runner.invoke(app, [*args, "--device", "cpu", "--imgsz", "160"])
    assert res.exit_code == 0, res.output
    import json

    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["source"]["photos"] == 5  # 3 + 2 linked; the copy once, the loop not again
    assert [Path(d["photo"]).name for d in report["source"]["duplicates"]] == ["copy_of_a0.jpg"]
    assert "counted once" in res.output
    assert snapshot(archive) == before


def test_train_removes_its_work_folder_unless_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vision.training.synth

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    logos = tmp_path / "logos"
    logos.mkdir()
    shutil.copy(REPO / "weights" / "demo_artwork" / "Apexa.png", logos / "Apexa.png")
    real = vision.training.synth.make_dataset

    def fails_half_way(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)
        raise RuntimeError("synthesis broke")

    monkeypatch.setattr(vision.training.synth, "make_dataset", fails_half_way)
    base = ["train", str(logos), "--name", "t", "--out", str(tmp_path / "w"), "--images", "4"]
    base += ["--epochs", "1", "--imgsz", "64", "--device", "cpu"]
    res = runner.invoke(app, base)
    assert res.exit_code == 1 and "synthesis broke" in res.output
    assert ours(tmp) == []  # the half-made dataset went with the failure
    res = runner.invoke(app, [*base, "--keep"])
    assert res.exit_code == 1
    (kept,) = ours(tmp)
    assert kept.name.startswith("sponsorlens-train-t-") and (kept / "data").is_dir()


def test_documented_export_example_names_the_file_export_writes() -> None:
    import json

    from vision.inference.export import default_export_path

    guide = (REPO / "docs" / "guide" / "train.md").read_text()
    imgsz = json.loads((REPO / "weights" / "demo.json").read_text())["imgsz"]
    onnx = default_export_path(Path("weights/demo.pt"), "onnx", imgsz)
    assert "sponsorlens export --weights weights/demo.pt --format onnx" in guide
    assert f"sponsorlens analyze match.mp4 --out match/ --weights {onnx.as_posix()}" in guide
    for page in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        assert "--weights weights/demo.onnx" not in page.read_text(), page


def test_totals_csv_and_compare_out_never_overwrite_their_inputs(tmp_path: Path, yaml_model: Path) -> None:
    video = write_cv_video(tmp_path / "v.mp4", n=12)
    a = tmp_path / "a"
    assert analyze(video, "--out", a, model=yaml_model).exit_code == 0
    before = snapshot(a)
    res = runner.invoke(app, ["compare", str(a), str(a), "--out", str(a / "compare.html")])
    assert res.exit_code == 6 and "is inside the input" in res.output, res.output
    assert snapshot(a) == before
    db_file = tmp_path / "season.duckdb"
    db_file.write_bytes(b"not yet a database")
    res = runner.invoke(app, ["totals", "--db", str(db_file), "--csv", str(db_file)])
    assert res.exit_code == 6 and "--csv" in res.output, res.output
    assert db_file.read_bytes() == b"not yet a database"


def test_adapt_removes_its_work_folder_when_it_fails(
    tmp_path: Path, yaml_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An untrained model is sure of nothing: the first round samples the footage into the work
    # folder, then stops with an error; the sampled frames must not stay behind.
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    video = write_cv_video(tmp_path / "v.mp4", n=50)
    logos = tmp_path / "logos"
    logos.mkdir()
    for sponsor in ("Acme", "Bolt"):
        shutil.copy(REPO / "weights" / "demo_artwork" / "Apexa.png", logos / f"{sponsor}.png")
    args = ["adapt", str(video), "--weights", str(yaml_model), "--logos", str(logos), "--name", "x"]
    args += ["--out", str(tmp_path / "w"), "--device", "cpu", "--infer-imgsz", "160", "--max-frames", "4"]
    res = runner.invoke(app, args)
    assert res.exit_code == 3 and "no frame had a sure detection" in res.output, res.output
    assert ours(tmp) == []
