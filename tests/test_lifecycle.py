"""A killed ``sponsorlens`` leaves no process behind: SIGKILL the parent alone, then look.

Each test starts a real command in a subprocess, waits until the processes it spawns are at work,
records every descendant, SIGKILLs the parent only (not its process group: the children must notice
by themselves) and asserts that none of the descendants is alive 5 s later.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest
from conftest import make_yaml_model
from media_factory import write_cv_video

REPO = Path(__file__).resolve().parent.parent
GRACE_S = 5.0


def _alive(pids: set[int]) -> set[int]:
    """Return the pids that still run (a zombie has ended: it only waits to be reaped)."""
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def kill_parent_when(cmd: list[str], ready: Callable[[psutil.Process, list[psutil.Process]], bool]) -> None:
    """Run ``cmd``; once ``ready(parent, descendants)`` holds, SIGKILL the parent and check the rest.

    Fails when ``cmd`` ends before it is ready (120 s at most) or when a descendant outlives the
    parent by more than :data:`GRACE_S` seconds.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    parent = psutil.Process(proc.pid)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"{cmd[3]} ended (exit {proc.returncode}) before it could be killed"
            assert time.monotonic() < deadline, f"{cmd[3]} never got ready"
            kids = parent.children(recursive=True)
            seen |= {k.pid for k in kids}
            if ready(parent, kids):
                break
            time.sleep(0.2)
        seen |= {k.pid for k in parent.children(recursive=True)}
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        end = time.monotonic() + GRACE_S
        while _alive(seen) and time.monotonic() < end:
            time.sleep(0.1)
        left = _alive(seen)
        assert not left, [(p, psutil.Process(p).cmdline()[:4]) for p in left]
    finally:
        for pid in _alive(seen | {proc.pid}):  # never leave them to the next test
            os.kill(pid, signal.SIGKILL)


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "cli.main", *map(str, args)]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_yaml_model(tmp_path_factory.mktemp("model") / "untrained.pt", ["Apexa", "Boltline"])


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough photos that a batch is still at work when it is killed."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(3)
    for i in range(400):
        cv2.imwrite(str(root / f"p{i:03d}.jpg"), rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    return root


def _workers_at_work(n: int) -> Callable[[psutil.Process, list[psutil.Process]], bool]:
    def ready(parent: psutil.Process, kids: list[psutil.Process]) -> bool:
        workers = [k for k in kids if "multiprocessing" in " ".join(_cmdline(k))]
        return len(workers) >= n and sum(_cpu(k) for k in workers) > 1.0

    return ready


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


def test_killed_local_batch_leaves_no_worker(model: Path, photos: Path, tmp_path: Path) -> None:
    cmd = cli("batch", photos, "--db", tmp_path / "b.duckdb", "--workers", "2", "--weights", model)
    kill_parent_when([*cmd, "--conf", "0.001", "--imgsz", "160", "--device", "cpu"], _workers_at_work(2))


@pytest.mark.slow
def test_killed_ray_batch_leaves_no_process(model: Path, photos: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'sponsorlens[ray]')")
    cmd = cli("batch", photos, "--db", tmp_path / "r.duckdb", "--engine", "ray", "--workers", "2")

    def ray_at_work(parent: psutil.Process, kids: list[psutil.Process]) -> bool:
        actors = [k for k in kids if any("_RayWorker" in a for a in _cmdline(k))]
        return len(actors) >= 1 and sum(_cpu(k) for k in actors) > 3.0

    kill_parent_when([*cmd, "--weights", str(model), "--conf", "0.001", "--imgsz", "160"], ray_at_work)


def test_killed_analyze_leaves_no_process(model: Path, tmp_path: Path) -> None:
    video = write_cv_video(tmp_path / "long.mp4", n=3000, size=(320, 240))
    cmd = cli("analyze", video, "--out", tmp_path / "out", "--weights", model, "--device", "cpu")

    def decoding(parent: psutil.Process, kids: list[psutil.Process]) -> bool:
        return _cpu(parent) > 8.0  # the model is loaded and frames are being analysed

    kill_parent_when([*cmd, "--conf", "0.001", "--imgsz", "160"], decoding)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_killed_train_leaves_no_process(tmp_path: Path) -> None:
    # On CPU ultralytics loads data in the training process; on a GPU its data-loader workers are
    # forked children, which the next test covers.
    logos = tmp_path / "logos"
    logos.mkdir()
    for sponsor in ("Apexa", "Glint"):
        shutil.copy(REPO / "weights" / "demo_artwork" / f"{sponsor}.png", logos / f"{sponsor}.png")
    cmd = cli("train", logos, "--name", "k", "--out", tmp_path / "w", "--epochs", "50", "--imgsz", "64")
    cmd += ["--images", "40", "--batch", "4", "--device", "cpu", "--workdir", str(tmp_path / "work")]

    def training(parent: psutil.Process, kids: list[psutil.Process]) -> bool:
        return (tmp_path / "work" / "run").is_dir()

    kill_parent_when(cmd, training)
    assert not (tmp_path / "w" / "k.pt").exists()


DATA_LOADER = """
import sys, time, torch
from vision.processes import forked_children_die_with_parent
if sys.argv[1] == "hooked":
    forked_children_die_with_parent()
data = torch.utils.data.TensorDataset(torch.arange(10_000))
loader = torch.utils.data.DataLoader(data, num_workers=2, persistent_workers=True, prefetch_factor=1)
for _ in loader:
    time.sleep(0.05)
"""


def test_forked_data_loader_workers_die_with_their_parent() -> None:
    # PyTorch's data-loader workers, forked as ultralytics forks them when it trains on a GPU.
    def workers(parent: psutil.Process, kids: list[psutil.Process]) -> bool:
        return len(kids) >= 2

    kill_parent_when([sys.executable, "-c", DATA_LOADER, "hooked"], workers)
