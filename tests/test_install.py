"""Installs: the lock pins every dependency, and ``pip install .`` gives a working tool.

The wheel test builds SponsorLens's wheel from a copy of the sources, installs it with ``--no-deps``
into a fresh virtual environment that borrows this environment's packages (so torch is not
installed twice), and runs the installed ``sponsorlens`` from outside the checkout with its default
weights: the shipped models and artwork must come from the wheel, not from the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from media_factory import write_cv_video
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pin, *hashes = line.split()
            name, version = pin.split("==")
            assert hashes and all(h.startswith("--hash=sha256:") for h in hashes), line
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_declared_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]
    pins = _lock()
    for req in declared:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not locked: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), f"lock {name}=={pins[name]} vs {req}"
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_this_environment_is_the_lock() -> None:
    from importlib import metadata

    for name, version in _lock().items():
        assert metadata.version(name) == version, (
            f"{name}: installed {metadata.version(name)}, locked {version}"
        )


@pytest.mark.slow
def test_a_wheel_install_works_outside_the_checkout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("vision", "measure", "cli", "weights"):
        shutil.copytree(REPO / part, src / part, ignore=ignore)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / part, src / part)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", src], check=True
    )
    (wheel,) = (tmp_path / "dist").glob("sponsorlens-*.whl")

    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env_dir], check=True)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # borrow this environment's packages (a plain path line: its editable SponsorLens hook is not run)
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([*pip, "--python", python, "install", "--no-deps", wheel], check=True)

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [python, "-c", "import cli, weights; print(cli.__file__); print(weights.WEIGHTS_DIR)"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    assert (Path(where[1]) / "demo.pt").is_file() and len(
        list(Path(where[1]).glob("demo_artwork/*.png"))
    ) == 10

    tool = env_dir / "bin" / "sponsorlens"
    res = subprocess.run([tool, "demo", "--help"], cwd=work, capture_output=True, text=True)
    assert res.returncode == 0 and "demo" in res.stdout, res.stderr
    write_cv_video(work / "tiny.mp4", n=10, size=(320, 240))
    res = subprocess.run(
        [tool, "analyze", "tiny.mp4", "--out", "result", "--device", "cpu"],
        cwd=work,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SPONSORLENS_WEIGHTS"},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    model = json.loads((work / "result" / "report.json").read_text())["model"]
    assert Path(model["weights"]) == Path(where[1]) / "demo.pt"
    assert model["classes"] == sorted(p.stem for p in (REPO / "weights" / "demo_artwork").glob("*.png"))
