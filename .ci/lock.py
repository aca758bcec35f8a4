"""Rewrite ``requirements.lock``: every dependency of ``.[dev]`` pinned to one version and its sha256.

Run it on purpose, through ``make lock``, and commit the new lock in a commit of its own. It resolves
the project's dependencies (``pyproject.toml``, the ``dev`` extra, and the build backend) in a
throwaway virtual environment with pip's resolver, without installing anything, and writes what pip
would install there. By default every package already in the lock keeps its version (a new
dependency adds only itself and what it needs); ``--upgrade`` (``make lock UPGRADE=1``) re-resolves
everything to the newest allowed versions. ``make demo`` and ``make test`` then install exactly that lock with
``--require-hashes``, so a fresh machine gets the versions the suite passed with.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
#: Resolved with the project: the build backend, so ``pip install --no-build-isolation -e .`` needs
#: nothing unpinned either.
BUILD = ["setuptools", "wheel"]


def current_pins() -> list[str]:
    """Return ``name==version`` of every package in the committed lock (empty without one)."""
    if not LOCK.is_file():
        return []
    lines = [ln.split()[0] for ln in LOCK.read_text().splitlines() if ln and not ln.startswith("#")]
    return [ln for ln in lines if "==" in ln]


def resolve(python: Path, keep: list[str]) -> list[dict]:
    """Return pip's install report entries for ``.[dev]`` plus :data:`BUILD`, resolved by ``python``
    with the ``keep`` pins (``name==version``) as constraints."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("\n".join(keep) + "\n")
        cmd = [str(python), "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed"]
        cmd += ["-c", str(constraints), "--report", str(report), f"{ROOT}[dev]", *BUILD]
        subprocess.run(cmd, check=True)
        return json.loads(report.read_text())["install"]


def lock_lines(entries: list[dict]) -> list[str]:
    """Return ``name==version --hash=sha256:...`` lines, sorted by name, the project itself left out."""
    lines = []
    for item in entries:
        meta, info = item["metadata"], item["download_info"]
        if meta["name"] == "sponsorlens":
            continue
        digest = (info.get("archive_info") or {}).get("hashes", {}).get("sha256")
        if not digest:
            raise SystemExit(f"no sha256 for {meta['name']} {meta['version']} ({info['url']})")
        lines.append(f"{meta['name'].lower()}=={meta['version']} --hash=sha256:{digest}")
    return sorted(lines)


def main() -> int:
    upgrade = "--upgrade" in sys.argv[1:]
    keep = [] if upgrade else current_pins()
    with tempfile.TemporaryDirectory() as tmp:
        venv.create(tmp, with_pip=True)
        lines = lock_lines(resolve(Path(tmp) / "bin" / "python", keep))
    header = [
        "# The pinned install of SponsorLens's dependencies (with the dev extra) for Linux x86-64,",
        f"# Python {sys.version_info.major}.{sys.version_info.minor}. Written by `make lock`"
        " (.ci/lock.py); do not edit by hand.",
    ]
    LOCK.write_text("\n".join([*header, *lines]) + "\n")
    print(f"wrote {LOCK.name}: {len(lines)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
