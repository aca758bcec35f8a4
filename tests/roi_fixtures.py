"""Analysis directories (``report.json``) in the shape ``analyze`` and ``photos`` write, for the ROI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def video_row(sponsor: str, exposure_s: float, **kw: float) -> dict[str, Any]:
    """One sponsor row of a video report; metrics not given get plausible defaults."""
    row = {
        "sponsor": sponsor,
        "exposure_s": exposure_s,
        "exposures": kw.get("exposures", 2),
        "mean_screen_share": kw.get("mean_screen_share", 0.02),
        "max_screen_share": kw.get("max_screen_share", 0.05),
        "mean_clarity": kw.get("mean_clarity", 0.7),
        "quality_s": kw.get("quality_s", exposure_s * 0.6),
        "share_of_voice": kw.get("share_of_voice", 0.5),
        "solo_s": kw.get("solo_s", exposure_s / 2),
        "mean_clutter": kw.get("mean_clutter", 0.5),
        "media_value": kw.get("media_value", exposure_s * 10),
        "best_frame": 12,  # columns the features do not use are ignored
        "best_t": 0.48,
    }
    return row


def write_video_report(directory: Path, video: str, sponsors: list[dict[str, Any]]) -> Path:
    """Write ``directory/report.json`` of a video analysis; return the directory."""
    directory.mkdir(parents=True)
    report = {
        "source": {"path": video, "duration_s": 60.0, "fps": 25.0, "width": 1280, "height": 720,
                   "frames": 1500, "analysed_frames": 1500},
        "model": {"weights": "demo.pt"},
        "settings": {},
        "tool": {"name": "sponsorlens", "version": "0.1.0"},
        "sponsors": sponsors,
        "segments": [],
    }  # fmt: skip
    (directory / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return directory


def write_photo_report(directory: Path, n_photos: int, sponsors: list[dict[str, Any]]) -> Path:
    """Write ``directory/report.json`` of a photo archive of ``n_photos`` photos; return the directory."""
    directory.mkdir(parents=True)
    report = {
        "source": {"kind": "photos", "path": str(directory / "photos"), "photos": n_photos, "failed": 0},
        "model": {"weights": "demo.pt"},
        "settings": {},
        "tool": {"name": "sponsorlens", "version": "0.1.0"},
        "sponsors": sponsors,
        "segments": [],
    }
    (directory / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return directory
