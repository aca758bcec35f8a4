"""``sponsorlens batch`` / ``totals``: DuckDB rows, idempotence, SIGKILL and resume, failures, Ray.

The model is an untrained network built from the ultralytics yaml; at ``--conf 0.001`` it returns
a deterministic set of boxes, which is all these tests need: they check that every engine and every
interruption ends with the same rows, not what the boxes mean.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import make_yaml_model
from media_factory import write_cv_video
from typer.testing import CliRunner

from cli.main import app
from measure import db
from measure.errors import InputError

REPO = Path(__file__).resolve().parent.parent
SPONSORS = ["Apexa", "Boltline", "Corvo"]
TIME_COLUMNS = {"analysed_at", "failed_at", "created_at", "taken_at"}
N_PHOTOS = 6


@pytest.fixture(scope="module")
def untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_yaml_model(tmp_path_factory.mktemp("model") / "untrained.pt", SPONSORS)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 photos, 1 copy of a photo, 1 video, 1 corrupt photo, 1 corrupt video, 1 text file."""
    root = tmp_path_factory.mktemp("media")
    (root / "photos").mkdir()
    (root / "zz_copies").mkdir()
    (root / "clips").mkdir()
    rng = np.random.default_rng(7)
    for i in range(N_PHOTOS):
        img = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 1 + i)
        cv2.rectangle(img, (40 + 20 * i, 60), (200, 100 + 10 * i), (255, 255, 255), -1)
        cv2.imwrite(str(root / "photos" / f"p{i}.jpg"), img)
    shutil.copyfile(root / "photos" / "p0.jpg", root / "zz_copies" / "p0_again.jpg")
    write_cv_video(root / "clips" / "v.mp4", n=10)
    (root / "photos" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    (root / "clips" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    (root / "notes.txt").write_text("not media")
    return root


def args(untrained: Path) -> list[str]:
    return ["--weights", str(untrained), "--device", "cpu", "--imgsz", "160", "--conf", "0.001"]


def invoke(*argv: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in argv])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def reference(untrained: Path, media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted batch (in this process) that every other run is compared with."""
    path = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    code, output = invoke("batch", media, "--db", path, "--workers", 0, *args(untrained))
    assert code == 7, output  # the two corrupt files failed
    assert "7 analysed, 2 failed, 0 already stored, 1 duplicates" in output
    return path


def tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every source table without its time columns, rows in a canonical order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in db.SOURCE_TABLES:
            df = con.execute(f"SELECT * FROM {name}").df()
            df = df.drop(columns=[c for c in df.columns if c in TIME_COLUMNS])
            key = df.apply(lambda c: c.round(4) if c.dtype.kind == "f" else c.astype(str))
            order = key.sort_values(list(key.columns), kind="stable").index
            out[name] = df.loc[order].reset_index(drop=True)
        return out
    finally:
        con.close()


def assert_same_rows(a: Path, b: Path) -> None:
    """Same tables, same rows; floats equal up to 1e-6 relative (inference and quality scores are
    computed by multi-threaded kernels whose last bits may differ between processes)."""
    ta, tb = tables(a), tables(b)
    for name in ta:
        x, y = ta[name], tb[name]
        assert list(x.columns) == list(y.columns), name
        assert len(x) == len(y), f"{name}: {len(x)} rows vs {len(y)}"
        for col in x.columns:
            if x[col].dtype.kind == "f":
                ok = np.isclose(
                    x[col].to_numpy(float), y[col].to_numpy(float), rtol=1e-6, atol=1e-9, equal_nan=True
                )
                assert ok.all(), f"{name}.{col} differs"
            else:
                assert x[col].astype(str).tolist() == y[col].astype(str).tolist(), f"{name}.{col} differs"


def counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*db.SOURCE_TABLES, "runs")
        }
    finally:
        con.close()


def test_batch_stores_every_source_once_and_records_failures(reference: Path, media: Path) -> None:
    con = duckdb.connect(str(reference), read_only=True)
    try:
        sources = con.execute("SELECT * FROM sources").df()
        failures = con.execute("SELECT * FROM failures ORDER BY path").df()
        exposure = con.execute("SELECT * FROM sponsor_exposure").df()
        segments = con.execute("SELECT s.kind FROM segments JOIN sources s USING (source_id)").df()
        n_dets = con.execute("SELECT count(*) FROM detections").fetchone()[0]
    finally:
        con.close()
    done = sources[sources["status"] == "done"]
    assert sorted(done["kind"]) == ["photo"] * N_PHOTOS + ["video"]
    assert not any("p0_again" in p for p in sources["path"])  # same bytes as p0.jpg: stored once
    assert not any(p.endswith("notes.txt") for p in sources["path"])
    assert sorted(Path(p).name for p in failures["path"]) == ["broken.jpg", "broken.mp4"]
    reasons = dict(zip(failures["path"].map(lambda p: Path(p).name), failures["error"], strict=True))
    assert "not an image" in reasons["broken.jpg"]
    assert "broken.mp4" in reasons["broken.mp4"] and "internal error" not in reasons["broken.mp4"]
    assert set(sources.loc[sources["status"] == "failed", "path"]) == set(failures["path"])
    # every done source has one row per sponsor; photo metrics only for photos, video ones for videos
    assert exposure.groupby("source_id").size().tolist() == [len(SPONSORS)] * len(done)
    kinds = exposure.merge(sources[["source_id", "kind"]], on="source_id")
    assert kinds.loc[kinds["kind"] == "photo", "exposure_s"].isna().all()
    assert kinds.loc[kinds["kind"] == "photo", "photos_with_sponsor"].notna().all()
    assert kinds.loc[kinds["kind"] == "video", "photos_with_sponsor"].isna().all()
    assert kinds.loc[kinds["kind"] == "video", "exposure_s"].notna().all()
    assert set(segments["kind"]) <= {"video"}
    assert n_dets > 0
    assert (done["content_sha256"].str.len() == 64).all()
    assert done.loc[done["kind"] == "video", "duration_s"].iloc[0] == pytest.approx(10 / 25, abs=0.05)


def test_running_twice_adds_nothing(reference: Path, untrained: Path, media: Path, tmp_path: Path) -> None:
    path = tmp_path / "again.duckdb"
    shutil.copyfile(reference, path)
    before = counts(path)
    code, output = invoke("batch", media, "--db", path, "--workers", 0, *args(untrained))
    assert code == 7, output  # the failed sources are still failed
    assert "0 analysed, 0 failed, 9 already stored" in output
    assert counts(path) == before
    code, output = invoke("batch", media, "--db", path, "--workers", 0, "--retry-failed", *args(untrained))
    assert code == 7 and "0 analysed, 2 failed, 7 already stored" in output, output
    assert counts(path) == before
    assert_same_rows(reference, path)


def test_sigkill_then_resume_gives_the_rows_of_an_uninterrupted_run(
    reference: Path, untrained: Path, media: Path, tmp_path: Path
) -> None:
    path = tmp_path / "killed.duckdb"
    cmd = [sys.executable, "-m", "cli.main", "batch", str(media), "--db", str(path), "--workers", "1"]
    proc = subprocess.Popen(
        [*cmd, *args(untrained)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: the pool's workers die with it
    )
    watchdog = threading.Timer(240, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    done_lines = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            done_lines += line.startswith("done ")
            if done_lines == 2:
                os.killpg(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"

    partial = counts(path)
    assert 2 <= partial["sources"] < 9
    con = duckdb.connect(str(path), read_only=True)
    try:  # no half-written source: each stored photo has all its sponsor rows
        incomplete = con.execute(
            """SELECT s.source_id FROM sources s LEFT JOIN sponsor_exposure e USING (source_id)
               WHERE s.status = 'done' GROUP BY s.source_id HAVING count(e.sponsor) <> ?""",
            [len(SPONSORS)],
        ).fetchall()
    finally:
        con.close()
    assert incomplete == []

    code, output = invoke("batch", media, "--db", path, "--workers", 0, *args(untrained))
    assert code == 7, output
    assert f"{partial['sources']} already stored" in output
    assert_same_rows(reference, path)


def test_the_parent_opens_no_model_when_workers_do_the_work(
    reference: Path, untrained: Path, media: Path, tmp_path: Path
) -> None:
    """With workers in other processes the driver loads neither torch nor the text reader: a worker
    describes its detectors, and the run key is the one of a batch run in this process."""
    heavy = ("torch", "ultralytics", "rapidocr", "onnxruntime")
    code = (
        "import json, sys\n"
        "from measure.settings import Config\n"
        "from vision.batch.jobs import WorkerSpec\n"
        "from vision.batch.run import run_batch\n"
        f"spec = WorkerSpec({str(untrained)!r}, 0.001, 160, 'cpu', False, Config().model_dump(mode='json'))\n"
        f"s = run_batch([{str(media / 'photos' / 'p1.jpg')!r}], {str(tmp_path / 'w.duckdb')!r}, spec, workers=1)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})\n"
        "print(json.dumps([s.analysed, s.run_key, loaded]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    analysed, key, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == []
    con = duckdb.connect(str(reference), read_only=True)
    try:
        assert analysed == 1 and key == db.pick_run_key(con)
    finally:
        con.close()


def test_every_engine_retries_a_dead_workers_job_by_one_rule() -> None:
    from vision.batch.jobs import Job
    from vision.batch.retry import MAX_CRASHES, MAX_POOL_RESTARTS, RetryPolicy, WorkerError

    a, b = Job("a", "k", "/a.jpg", "photo", "0" * 64), Job("b", "k", "/b.jpg", "photo", "1" * 64)
    jobs = iter([a, b])
    policy = RetryPolicy("a worker process", "worker processes")
    assert policy.next_job(jobs) == a
    assert policy.lost(a) is None  # tried again, before the next new job
    assert policy.next_job(jobs) == a
    failed = policy.lost(a)
    assert failed is not None and failed.job == a
    assert failed.error == f"a worker process died while analysing it ({MAX_CRASHES} times)"
    assert policy.next_job(jobs) == b and policy.next_job(jobs) is None
    for _ in range(MAX_POOL_RESTARTS):
        policy.died()
    policy.succeeded()  # a result in between: the count starts over
    for _ in range(MAX_POOL_RESTARTS):
        policy.died()
    with pytest.raises(WorkerError, match=r"worker processes keep dying \(4 times") as e:
        policy.died()
    assert e.value.exit_code == 1
    ray = RetryPolicy("a Ray worker", "Ray workers", separate=2)  # actors replaced one by one
    for _ in range(MAX_POOL_RESTARTS + 2):
        ray.died("actor died")
    with pytest.raises(WorkerError, match=r"Ray workers keep dying .*: actor died"):
        ray.died("actor died")


@pytest.mark.slow
def test_ray_engine_writes_the_same_rows(
    reference: Path, untrained: Path, media: Path, tmp_path: Path
) -> None:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'sponsorlens[ray]')")
    from measure.settings import Config
    from vision.batch.jobs import WorkerSpec
    from vision.batch.run import run_batch

    spec = WorkerSpec(
        str(untrained),
        conf=0.001,
        imgsz=160,
        device="cpu",
        trust_weights=False,
        config=Config().model_dump(mode="json"),
    )
    path = tmp_path / "ray.duckdb"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        summary = run_batch([media], path, spec, engine="ray", workers=2)
    finally:
        ray.shutdown()
    assert (summary.analysed, summary.failed, summary.duplicates) == (7, 2, 1)
    assert_same_rows(reference, path)


def test_totals_add_up_the_stored_rows(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "totals.csv"
    code, output = invoke("totals", "--db", reference, "--csv", out)
    assert code == 0, output
    assert "1 videos" in output and f"{N_PHOTOS} photos" in output and "2 failed" in output
    t = pd.read_csv(out).set_index("sponsor")
    assert sorted(t.index) == SPONSORS
    con = duckdb.connect(str(reference), read_only=True)
    try:
        e = con.execute(
            "SELECT e.*, s.kind FROM sponsor_exposure e JOIN sources s USING (source_id) "
            "WHERE s.status = 'done'"
        ).df()
    finally:
        con.close()
    photos = e[e["kind"] == "photo"]
    videos = e[e["kind"] == "video"]
    for sponsor in SPONSORS:
        p, v = photos[photos["sponsor"] == sponsor], videos[videos["sponsor"] == sponsor]
        assert t.loc[sponsor, "photos"] == N_PHOTOS
        assert t.loc[sponsor, "videos"] == 1
        assert t.loc[sponsor, "photos_with_sponsor"] == p["photos_with_sponsor"].sum()
        assert t.loc[sponsor, "photo_rate"] == pytest.approx(p["photos_with_sponsor"].sum() / N_PHOTOS)
        assert t.loc[sponsor, "exposure_s"] == pytest.approx(v["exposure_s"].sum())
        assert t.loc[sponsor, "quality_s"] == pytest.approx(v["quality_s"].sum())
    total_exposure = t["exposure_s"].sum()
    if total_exposure > 0:
        assert t["share_of_voice"].sum() == pytest.approx(1.0)
    for by in ("source", "month"):
        code, output = invoke("totals", "--db", reference, "--by", by)
        assert code == 0, output


def test_totals_refuse_to_mix_models_or_settings(
    reference: Path, untrained: Path, media: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.duckdb"
    shutil.copyfile(reference, path)
    code, output = invoke(
        "batch", media / "photos" / "p1.jpg", "--db", path, "--workers", 0, *args(untrained)[:-1], "0.002"
    )
    assert code == 0, output
    code, output = invoke("totals", "--db", path)
    assert code == 3 and "--run" in output, output
    first = output.split("combinations (")[1][:12]
    code, output = invoke("totals", "--db", path, "--run", first)
    assert code == 0, output


def test_database_writes_are_all_or_nothing(tmp_path: Path) -> None:
    con = db.connect(tmp_path / "unit.duckdb")
    source = {"source_id": "s1", "run_key": "k", "path": "/x.jpg", "kind": "photo", "content_sha256": "c"}
    bad = pd.DataFrame({"sponsor": ["A"], "frame": ["not a number"]})
    with pytest.raises(duckdb.Error):
        db.write_source(con, source, detections=bad)
    assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    db.write_source(
        con, source, sponsor_exposure=pd.DataFrame({"sponsor": ["A"], "photos_with_sponsor": [1]})
    )
    db.write_source(con, {**source, "path": "/y.jpg"}, error="boom")  # a retry replaces the rows
    assert con.execute("SELECT status FROM sources").fetchall() == [("failed",)]
    assert con.execute("SELECT count(*) FROM sponsor_exposure").fetchone()[0] == 0
    assert con.execute("SELECT error FROM failures").fetchall() == [("boom",)]
    con.close()
    other = duckdb.connect(str(tmp_path / "other.duckdb"))
    other.execute("CREATE TABLE t (x INT)")
    other.close()
    with pytest.raises(db.DatabaseError, match="not a SponsorLens batch database"):
        db.connect(tmp_path / "other.duckdb")
    with pytest.raises(InputError, match="database not found"):
        db.connect(tmp_path / "missing.duckdb", read_only=True)


def test_sources_are_dated_by_exif_else_by_file_time(tmp_path: Path) -> None:
    from PIL import Image

    from vision.batch.sources import taken_at

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:05:17 19:30:00"  # DateTimeOriginal
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "shot.jpg", exif=exif)
    assert taken_at(str(tmp_path / "shot.jpg"), "photo") == (dt.datetime(2024, 5, 17, 19, 30), "exif")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "plain.png")
    os.utime(tmp_path / "plain.png", (1_700_000_000, 1_700_000_000))
    assert taken_at(str(tmp_path / "plain.png"), "photo") == (dt.datetime(2023, 11, 14, 22, 13, 20), "mtime")


@pytest.mark.parametrize("kind", ["photo", "video"])
def test_a_worker_runs_on_the_threads_the_batch_planned(untrained: Path, media: Path, kind: str) -> None:
    """ultralytics sets torch to cpu_count - 1 threads when its predictor starts, and OpenCV to one
    thread when imported; a worker's planned thread count must hold for both after a real job."""
    import torch
    from ultralytics.utils import NUM_THREADS

    from measure.settings import Config
    from vision.batch.jobs import Job, WorkerSpec
    from vision.batch.worker import Worker

    path = media / ("photos/p1.jpg" if kind == "photo" else "clips/v.mp4")
    planned = NUM_THREADS + 1
    before = torch.get_num_threads(), cv2.getNumThreads()
    try:
        spec = WorkerSpec(
            str(untrained), conf=0.001, imgsz=160, device="cpu", trust_weights=False,
            config=Config().model_dump(mode="json"), threads=planned,
        )  # fmt: skip
        result = Worker(spec).run(Job("s1", "k", str(path), kind, "0" * 64))
        assert result.error is None, result.error
        assert (torch.get_num_threads(), cv2.getNumThreads()) == (planned, planned)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])
