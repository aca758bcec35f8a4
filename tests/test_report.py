"""The HTML/PDF report, compare, evidence thumbnails and the annotated video, on analyses built
from videos the tests draw (see ``report_fixtures``)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import zlib
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from chromium_cdp import chromium_binary, inspect_page
from pdf_text import pdf_text
from report_fixtures import Logo, build_analysis
from typer.testing import CliRunner

from cli.annotate import annotate_video
from cli.evidence import best_frame_file, safe_name, write_thumbnails
from cli.main import app
from cli.report_html import fmt_seconds, render_pdf, render_report
from measure.categories import COMPETITOR_KEYS
from measure.clock import ExposureClock
from measure.compare import COMPARED, compare_reports
from vision.io.sources import SampleRule

CLASSES = ["Apexa", "Boltline", "Café Noir/Ü", "Dunmore"]


def tables(d: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(d / "sponsors.csv"),
        pd.read_csv(d / "segments.csv"),
        pd.read_parquet(d / "detections.parquet"),
    )


@pytest.fixture(scope="module")
def match(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Video A, its analysis directory with best-frame thumbnails, and an evidence directory."""
    root = tmp_path_factory.mktemp("match")
    video, d = build_analysis(root, "match", seconds=6.0)
    sp, seg, det = tables(d)
    write_thumbnails(d, video, sp, seg, det, evidence_dir=root / "evidence", classes=CLASSES)
    return video, d, root / "evidence"


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Analysis B: no Dunmore in the model, a new sponsor Eskaro, Apexa shorter."""
    root = tmp_path_factory.mktemp("other")
    logos = [
        Logo("Apexa", 0, 40, (40, 30), (150, 48), (40, 40, 200), track=1),
        Logo("Eskaro", 20, 99, (300, 200), (160, 50), (20, 20, 20), track=2),
    ]
    _, d = build_analysis(root, "other", seconds=4.0, logos=logos, sponsors=["Apexa", "Boltline", "Eskaro"])
    return d


# ------------------------------------------------------------------------------------ self-contained


class _Refs(HTMLParser):
    """Collects every URL-bearing attribute and every CSS url(...) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "href", "srcset", "poster", "data", "action", "xlink:href", "background"):
                self.refs.append(value)
            if name == "style":
                self.refs += re.findall(r"url\(\s*['\"]?([^'\")]+)", value)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.refs += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)
            self.refs += re.findall(r"@import\s+['\"]?([^'\";]+)", data)


def external_refs(html: str) -> list[str]:
    """Return every reference in ``html`` (and inside its inline SVGs) that is not a data: URI or #id."""
    parser = _Refs()
    parser.feed(html)
    bad = [r for r in parser.refs if not r.startswith(("data:", "#"))]
    for r in parser.refs:
        if r.startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(r.split(",", 1)[1]).decode("utf-8")
            bad += [h for h in re.findall(r'(?:href|src)="([^"]*)"', svg) if not h.startswith(("data:", "#"))]
            bad += re.findall(r"url\((?!#)([^)]*)\)", svg)
    bad += [t for t in parser.tags if t in ("script", "link", "iframe", "object", "embed")]
    return bad


def test_report_html_is_self_contained_and_complete(match: tuple[Path, Path, Path]) -> None:
    _, d, _ = match
    out = render_report(d)
    html = out.read_text("utf-8")
    assert external_refs(html) == []
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", re.sub(r"data:[^\"')]+", "", html))
    sponsors = pd.read_csv(d / "sponsors.csv")
    for s in sponsors["sponsor"]:
        assert f'data-sponsor="{s}"' in html
    sections = (
        "kpi-table",
        "context",
        "context-table",
        "timeline",
        "sov",
        "heatmap",
        "clarity",
        "best-frames",
    )
    for section in (*sections, "methodology"):
        assert f'id="{section}"' in html, section
    seen = sponsors[sponsors["best_frame"] >= 0]
    assert html.count('class="shot"') == len(seen)
    from measure.methodology import METRICS

    for term in list(METRICS)[:5]:
        assert f"<dt>{term}</dt>" in html
    report = json.loads((d / "report.json").read_text("utf-8"))
    assert report["model"]["sha256"] in html and report["tool"]["version"] in html
    assert 'id="stopped"' not in html


def test_stopped_banner(match: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, d, _ = match
    copy = tmp_path / "damaged"
    shutil.copytree(d, copy)
    report = json.loads((copy / "report.json").read_text("utf-8"))
    report["stopped"] = {
        "frame": 90,
        "t": 3.6,
        "reason": "decoding stopped at 3.600 s of 6.000 s (file truncated)",
    }
    (copy / "report.json").write_text(json.dumps(report), "utf-8")
    html = render_report(copy).read_text("utf-8")
    banner = html[html.index('id="stopped"') :][:600]
    assert (
        "Stopped early" in banner and "0:04" in banner and "frame 90" in banner and "file truncated" in banner
    )


@pytest.mark.skipif(
    chromium_binary() is None, reason="chromium not installed (make test installs it as root: .ci/browser)"
)
def test_report_in_headless_chromium(match: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, d, _ = match
    out = render_report(d)
    rows_js = (
        "[...document.querySelectorAll('#kpi-table tbody tr')]"
        ".map(tr => [...tr.cells].map(td => td.innerText.trim()))"
    )
    page = inspect_page(out, tmp_path / "chromium-profile", script=rows_js)
    assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert page.console_errors == []
    assert page.broken_images == []
    png = cv2.imdecode(np.frombuffer(page.screenshot, np.uint8), cv2.IMREAD_COLOR)
    assert page.screenshot[:8] == b"\x89PNG\r\n\x1a\n" and png is not None
    assert png.shape[1] == 1280 and png.shape[0] > 1500  # the whole page, not one viewport
    assert png.std() > 20 and len(np.unique(png.reshape(-1, 3)[::97], axis=0)) > 50  # not blank
    sponsors = pd.read_csv(d / "sponsors.csv")
    table = {row[0]: row for row in page.value}
    assert set(table) == set(sponsors["sponsor"])
    for s, exposure in zip(sponsors["sponsor"], sponsors["exposure_s"], strict=True):
        assert table[s][1] == fmt_seconds(exposure)
    assert (sponsors["exposure_s"] > 0).sum() == 3


def test_photo_report_degrades(tmp_path: Path) -> None:
    d = tmp_path / "photos"
    d.mkdir()
    report = {
        "source": {"kind": "photos", "path": "/archive/event", "photos": 40},
        "model": {"sha256": "ab" * 32, "classes": ["Apexa", "Boltline"]},
        "settings": {"min_clarity": 0.3, "rate_card": None},
        "tool": {"name": "sponsorlens", "version": "0.1.0"},
        "stopped": None,
        "sponsors": [
            {
                "sponsor": "Apexa",
                "photos_with_sponsor": 12,
                "photo_rate": 0.3,
                "mean_screen_share": 0.02,
                "max_screen_share": 0.05,
                "mean_clarity": 0.7,
                "best_photo": "/archive/event/a.jpg",
                "solo_photos": 4,
            },
            {
                "sponsor": "Boltline",
                "photos_with_sponsor": 0,
                "photo_rate": 0.0,
                "mean_screen_share": 0.0,
                "max_screen_share": 0.0,
                "mean_clarity": 0.0,
                "best_photo": None,
                "solo_photos": 0,
            },
        ],
    }
    (d / "report.json").write_text(json.dumps(report), "utf-8")
    html = render_report(d).read_text("utf-8")
    assert "Photo rate" in html and "30.0%" in html and 'data-sponsor="Boltline"' in html
    assert 'id="timeline"' not in html and external_refs(html) == []


# -------------------------------------------------------------------------------------------- PDF


def test_pdf(match: tuple[Path, Path, Path]) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint (the pdf extra) is not installed")
    _, d, _ = match
    pdf = render_pdf(d).read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf_pages(pdf) >= 2
    # the pages say what the report says: every sponsor, its exposure seconds, and the methodology
    pages = pdf_text(pdf)
    assert len(pages) == pdf_pages(pdf)
    text = " ".join(pages)
    report = json.loads((d / "report.json").read_text("utf-8"))
    for row in report["sponsors"]:
        assert row["sponsor"] in text and fmt_seconds(row["exposure_s"]) in text, row["sponsor"]
    assert "Methodology" in text and "Exposure by context" in text


def pdf_pages(pdf: bytes) -> int:
    """Count the page objects of a PDF, looking inside compressed object streams too."""
    body = pdf
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            body += zlib.decompress(m.group(1))
    return len(re.findall(rb"/Type\s*/Page\b", body))


# ---------------------------------------------------------------------------------------- compare


def test_compare_deltas_are_exact(match: tuple[Path, Path, Path], other: Path) -> None:
    _, a_dir, _ = match
    a = {r["sponsor"]: r for r in json.loads((a_dir / "report.json").read_text("utf-8"))["sponsors"]}
    b = {r["sponsor"]: r for r in json.loads((other / "report.json").read_text("utf-8"))["sponsors"]}
    cmp = compare_reports(a_dir, other)
    assert list(cmp.table["sponsor"]) == [*CLASSES, "Eskaro"]
    assert cmp.only_a == ["Café Noir/Ü", "Dunmore"] and cmp.only_b == ["Eskaro"]
    # the competitor numbers are compared only when a report has catalogue categories
    assert cmp.kpis == [k for k in COMPARED if k in a["Apexa"] and k not in COMPETITOR_KEYS]
    assert cmp.categories.empty and cmp.category_kpis == []
    for row in cmp.table.to_dict(orient="records"):
        s = row["sponsor"]
        for k in cmp.kpis:
            va = a[s][k] if s in a else 0.0
            vb = b[s][k] if s in b else 0.0
            assert row[f"{k}_a"] == va and row[f"{k}_b"] == vb
            assert row[f"{k}_delta"] == vb - va
    assert cmp.table.set_index("sponsor").loc["Eskaro", "exposure_s_delta"] == b["Eskaro"]["exposure_s"] > 0


def test_cli_report_and_compare(match: tuple[Path, Path, Path], other: Path, tmp_path: Path) -> None:
    _video, d, _ = match
    copy = tmp_path / "copy"
    shutil.copytree(d, copy)
    shutil.rmtree(copy / "frames")  # the report command re-creates them from the source video
    (copy / "report.html").unlink(missing_ok=True)
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(copy)])
    assert res.exit_code == 0, res.output
    assert (copy / "report.html").exists()
    assert (copy / "frames" / best_frame_file("Café Noir/Ü")).exists()
    out = tmp_path / "cmp.html"
    res = runner.invoke(app, ["compare", str(d), str(other), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Eskaro" in res.output and "Apexa" in res.output
    html = out.read_text("utf-8")
    assert external_refs(html) == [] and 'data-sponsor="Eskaro"' in html and "(only in B)" in html
    res = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert res.exit_code == 3 and "not an analysis directory" in res.output
    assert "Traceback" not in res.output


# --------------------------------------------------------------------------------------- evidence


def test_safe_names() -> None:
    names = [
        "Café",
        "Cafe",
        "Caf_",
        "../../etc/passwd",
        "",
        ".hidden",
        "a/b",
        "a\\b",
        "CON",
        "x" * 300,
        "日本",
    ]
    safe = [safe_name(n) for n in names]
    assert len(set(safe)) == len(names)
    for s in safe:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) and len(s) <= 80
    assert safe_name("Apexa") == "Apexa"


def test_evidence_one_thumbnail_per_segment(match: tuple[Path, Path, Path]) -> None:
    video, d, ev = match
    _, seg, _ = tables(d)
    index = pd.read_csv(ev / "index.csv")
    assert len(index) == len(seg) > 0 and index["written"].all()
    assert sorted(p.name for p in ev.glob("*.jpg")) == sorted(index["file"])
    for c in ("start_frame", "end_frame", "best_frame"):
        assert (index[c].to_numpy() == seg[c].to_numpy()).all()
    for c in ("start_s", "end_s", "duration_s", "best_t"):
        assert np.allclose(index[c], seg[c])
    for i, row in index.iterrows():
        assert (
            row["file"] == f"{i:04d}_{safe_name(row['sponsor'])}_{row['start_frame']}-{row['end_frame']}.jpg"
        )
    # each thumbnail shows its segment's best frame: closer to that decoded frame than to any other
    cap = cv2.VideoCapture(str(video))
    small = (160, 90)
    frames = []
    while (ok_img := cap.read())[0]:
        frames.append(cv2.resize(ok_img[1], small, interpolation=cv2.INTER_AREA).astype(np.int16))
    for row in index.itertuples():
        thumb = cv2.resize(cv2.imread(str(ev / row.file)), small, interpolation=cv2.INTER_AREA).astype(
            np.int16
        )
        diffs = [float(np.abs(f - thumb).mean()) for f in frames]
        # static stretches make neighbours look alike: the best frame must be as close as any
        assert diffs[row.best_frame] <= min(diffs) + 0.5 and diffs[row.best_frame] < 12, row.file
        assert max(diffs) > 30  # and the comparison discriminates (the other shot looks different)
    # best-frame thumbnails: one per sponsor seen, none for a sponsor never visible
    assert (d / "frames" / best_frame_file("Apexa")).exists()
    assert not (d / "frames" / best_frame_file("Dunmore")).exists()


def test_evidence_dir_is_replaced_whole_and_never_clobbers_other_files(
    match: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    video, d, ev = match
    sp, seg, det = tables(d)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    from measure.errors import OutputError

    with pytest.raises(OutputError, match="not an earlier SponsorLens evidence folder"):
        write_thumbnails(tmp_path / "out", video, sp, seg, det, evidence_dir=foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    again = tmp_path / "again"
    shutil.copytree(ev, again)
    (again / "9999_stale_1-2.jpg").write_bytes(b"old")
    write_thumbnails(tmp_path / "out", video, sp, seg.iloc[:2], det, evidence_dir=again)
    assert sorted(p.name for p in again.iterdir()) == sorted(
        [*pd.read_csv(ev / "index.csv")["file"][:2], "index.csv"]
    )


# --------------------------------------------------------------------------------------- annotate


def _video_facts(path: Path) -> tuple[int, float, tuple[int, int]]:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.grab():
        n += 1
    fps = cap.get(cv2.CAP_PROP_FPS)
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.release()
    return n, fps, size


def test_annotated_video_has_input_frames_and_duration(
    match: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    video, d, _ = match
    sp, seg, det = tables(d)
    out = tmp_path / "annotated.mp4"
    res = annotate_video(video, det, seg, out, sponsors=CLASSES)
    n_in, fps_in, size_in = _video_facts(video)
    n_out, fps_out, size_out = _video_facts(out)
    assert n_out == n_in == res.frames == 150 and fps_out == pytest.approx(fps_in) and size_out == size_in
    assert n_out / fps_out == pytest.approx(n_in / fps_in)
    assert not list(tmp_path.glob(".*partial*"))
    # boxes are drawn where the detections are
    cap_in, cap_out = cv2.VideoCapture(str(video)), cv2.VideoCapture(str(out))
    for _ in range(11):
        a, b = cap_in.read()[1], cap_out.read()[1]
    r = det[(det["frame"] == 10) & (det["sponsor"] == "Apexa")].iloc[0]
    y, x1, x2 = round(r.y1), round(r.x1) + 10, round(r.x2) - 10
    edge_diff = np.abs(a[y - 1 : y + 2, x1:x2].astype(int) - b[y - 1 : y + 2, x1:x2]).mean()
    assert edge_diff > 40
    # the clock ends at each sponsor's exposure_s
    clock = ExposureClock(seg)
    for s, e in zip(sp["sponsor"], sp["exposure_s"], strict=True):
        assert clock.total(s) == pytest.approx(e, abs=1e-9)
        assert clock.at(s, 0.0) == 0.0


def test_annotate_sampled_analysis_keeps_every_frame(match: tuple[Path, Path, Path], tmp_path: Path) -> None:
    from vision.io.sources import open_video

    video, d, _ = match
    _, seg, det = tables(d)
    with open_video(video, sample_fps=7.0) as src:
        analysed = [f.index for f in src]
    rule = SampleRule(7.0)
    with open_video(video) as src:
        replayed = [f.index for f in src if rule.picks(f.t)]
    assert replayed == analysed and len(analysed) < 150
    out = tmp_path / "sampled.mp4"
    res = annotate_video(video, det[det["frame"].isin(analysed)], seg, out, sponsors=CLASSES, sample_fps=7.0)
    assert res.frames == _video_facts(out)[0] == 150


def test_annotate_refuses_bad_suffix(match: tuple[Path, Path, Path], tmp_path: Path) -> None:
    video, d, _ = match
    _, seg, det = tables(d)
    with pytest.raises(ValueError, match=r"must end in one of \.mp4"):
        annotate_video(video, det, seg, tmp_path / "out.gif")


def test_the_text_check_line_says_what_unread_tracks_do_and_advises_dropping_them_when_reads_say_so() -> None:
    from measure.report import describe_checking

    # the real eval frames of the development benchmark with dfl.pt: 13 confirmed, 36 rejected
    real = {"confirmed": 13, "rejected": 36, "unread": 50, "unread_policy": "count", "reliability": 13 / 49}
    line, advice = describe_checking(real)
    assert line == "13 tracks confirmed, 36 rejected (not counted), 50 unread (counted)"
    assert advice is not None and "--unread drop" in advice and "13 of the 49" in advice and "27%" in advice
    dropped = "13 tracks confirmed, 36 rejected (not counted), 50 unread (not counted: only 27% of the "
    dropped += "judged ones named their sponsor)"
    assert describe_checking({**real, "unread_policy": "drop"}) == (dropped, None)
    assert describe_checking({**real, "unread_policy": "auto", "unread_counted": False}) == (dropped, None)
    # the demo clip's shipped model: 121 confirmed, 33 rejected: reliable, no advice
    assert describe_checking({**real, "confirmed": 121, "rejected": 33, "reliability": 121 / 154})[1] is None
    few = {"confirmed": 2, "rejected": 7, "unread": 5, "reliability": 2 / 9}  # too few judged to say
    assert describe_checking(few) == (
        "2 tracks confirmed, 7 rejected (not counted), 5 unread (counted)",
        None,
    )
