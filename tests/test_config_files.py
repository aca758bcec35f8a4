"""Config and sponsor-catalogue files (issue 23): the same reading rules for TOML, YAML and JSON
(:mod:`measure.configfile`), each case through the real CLI, and a property-based fuzz test of the
loader: arbitrary text and trees give a config or one ConfigError line, never another exception, each
within 1 s."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner, Result

from cli.errors import EXIT_CONFIG
from cli.main import app
from measure.catalogue import Catalogue, parse_catalogue
from measure.errors import ConfigError
from measure.limits import MAX_CONFIG_DEPTH
from measure.settings import Config, load_config

runner = CliRunner()


def cli(*args: object) -> Result:
    """Run ``sponsorlens ARGS`` in this process."""
    return runner.invoke(app, [os.fspath(a) if isinstance(a, Path) else str(a) for a in args])


def one_error(res: Result, code: int, *needles: str) -> str:
    """Assert the exit code and exactly one ``error:`` line naming ``needles``; return the line."""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == code, (res.exit_code, res.output, res.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def config_error(tmp_path: Path, config: Path, *needles: str) -> str:
    """Run ``analyze`` with ``--config config`` (read before the video is opened) and return its error line."""
    out = tmp_path / "out"
    res = cli("analyze", tmp_path / "never-opened.mp4", "--out", out, "--config", config)
    line = one_error(res, EXIT_CONFIG, config.name, *needles)
    assert not out.exists()
    return line


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small photo, for ``photos --sponsors FILE`` (the catalogue is read before any model loads)."""
    path = tmp_path_factory.mktemp("photo") / "p.jpg"
    Image.fromarray(np.full((24, 32, 3), 90, np.uint8)).save(path)
    return path


def catalogue_error(tmp_path: Path, photo: Path, catalogue: Path, *needles: str) -> str:
    """Run ``photos`` with ``--sponsors catalogue`` and return its error line."""
    out = tmp_path / "out"
    line = one_error(cli("photos", photo, "--out", out, "--sponsors", catalogue), EXIT_CONFIG, *needles)
    assert not out.exists()
    return line


DEEP = {
    "json-array": ("json", "[" * 100_000 + "]" * 100_000),
    "json-object": ("json", '{"a":' * 100_000 + "1" + "}" * 100_000),
    "yaml-flow": ("yaml", "a: " + "[" * 100_000 + "]" * 100_000),
    "toml-array": ("toml", "a = " + "[" * 100_000 + "]" * 100_000),
    "json-33": ("json", '{"measure": ' + "[" * MAX_CONFIG_DEPTH + "]" * MAX_CONFIG_DEPTH + "}"),
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deeply_nested_config_is_a_config_error(tmp_path: Path, case: str) -> None:
    fmt, text = DEEP[case]
    config = tmp_path / f"deep.{fmt}"
    config.write_text(text)
    line = config_error(tmp_path, config)
    assert "nested" in line and "internal error" not in line


DUPLICATES = [
    ("json", '{"measure": {"min_clarity": 0.3, "min_clarity": 0.9}}', "'min_clarity'"),
    ("json", '{"measure": {}, "measure": {}}', "'measure'"),
    ("yaml", "measure:\n  max_gap_s: 0.5\n  max_gap_s: 2\n", "'max_gap_s' (line 3)"),
    ("yaml", "rate_card:\n  rates:\n    Acme: 1\n    Acme: 2\n", "'Acme'"),
    ("toml", "[measure]\nmin_clarity = 0.3\nmin_clarity = 0.9\n", "'measure.min_clarity'"),
]


@pytest.mark.parametrize(("fmt", "text", "key"), DUPLICATES)
def test_duplicated_keys_are_refused_naming_the_key(tmp_path: Path, fmt: str, text: str, key: str) -> None:
    config = tmp_path / f"dup.{fmt}"
    config.write_text(text)
    config_error(tmp_path, config, "duplicate key", key)


def test_yaml_merge_keys_may_still_be_overridden(tmp_path: Path) -> None:
    config = tmp_path / "merge.yaml"
    config.write_text("base: &b {min_clarity: 0.3, max_gap_s: 1}\nmeasure:\n  <<: *b\n  max_gap_s: 2\n")
    with pytest.raises(ConfigError, match="base: Extra inputs"):
        load_config(config)  # the merge itself is accepted; only the extra top-level key is refused


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("toml", "[measure]\nmin_clarity = 0.5\n"),
        ("yaml", "measure:\n  min_clarity: 0.5\n"),
        ("json", '{"measure": {"min_clarity": 0.5}}'),
    ],
)
def test_a_byte_order_mark_is_accepted_in_every_format(
    tmp_path: Path, photo: Path, fmt: str, text: str
) -> None:
    config = tmp_path / f"bom.{fmt}"
    config.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_config(config).measure.min_clarity == 0.5
    # through the CLI: the config is accepted, so the run gets past it to the catalogue
    catalogue = tmp_path / f"cat.{fmt}"
    body = {"toml": '[sponsors."Audi"]\n[sponsors."Audi"]\n', "yaml": "sponsors:\n  Audi: {}\n  Audi: {}\n"}
    catalogue.write_bytes(b"\xef\xbb\xbf" + body.get(fmt, '{"sponsors": {"Audi": {}, "Audi": {}}}').encode())
    out = tmp_path / "out"
    res = cli("photos", photo, "--out", out, "--config", config, "--sponsors", catalogue)
    line = one_error(res, EXIT_CONFIG, catalogue.name)
    assert ("duplicate key 'Audi'" in line) or ("Cannot declare" in line), line  # the BOM was read past


def test_an_empty_yaml_config_gives_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "empty.yaml"
    config.write_bytes(b"\xef\xbb\xbf# nothing set\n")
    assert load_config(config) == Config()


def test_catalogue_follows_the_same_rules(tmp_path: Path, photo: Path) -> None:
    dup = tmp_path / "dup.json"
    dup.write_text('{"sponsors": {"Audi": {"reads": true, "reads": false}}}')
    catalogue_error(tmp_path, photo, dup, "dup.json", "duplicate key 'reads'")
    deep = tmp_path / "deep.json"
    deep.write_text('{"sponsors":' + "[" * 100_000 + "]" * 100_000 + "}")
    catalogue_error(tmp_path, photo, deep, "deep.json", "nested")
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf{"sponsors": {"Audi": {"aliases": ["AUDI AG"]}}}')
    assert parse_catalogue(bom).names == ["Audi"]
    keys = tmp_path / "keys.yaml"
    keys.write_text("sponsors:\n  Audi:\n    1: x\n")
    catalogue_error(tmp_path, photo, keys, "keys.yaml", "must be a string")


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def run_with_timeout(seconds: float, *args: object) -> Result:
    """Run the CLI in a thread; fail (rather than hang) if it has not returned after ``seconds``.

    A hung reader of a FIFO is released by opening the FIFO for writing, so the test process ends.
    """
    box: list[Result] = []
    thread = threading.Thread(target=lambda: box.append(cli(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for a in args:
            if isinstance(a, Path) and a.is_fifo():
                with open(os.open(a, os.O_WRONLY | os.O_NONBLOCK), "wb"):  # release the reader
                    pass
        pytest.fail(f"sponsorlens {' '.join(map(str, args))} still running after {seconds} s")
    return box[0]


def test_fifo_config_and_catalogue_are_refused_at_once(tmp_path: Path, photo: Path) -> None:
    config = _fifo(tmp_path, "pipe.toml")
    res = run_with_timeout(30, "analyze", tmp_path / "never.mp4", "--out", tmp_path / "o", "--config", config)
    one_error(res, EXIT_CONFIG, "pipe.toml", "not a regular file (a named pipe (FIFO))")
    catalogue = _fifo(tmp_path, "pipe.yaml")
    res = run_with_timeout(30, "photos", photo, "--out", tmp_path / "o", "--sponsors", catalogue)
    one_error(res, EXIT_CONFIG, "pipe.yaml", "not a regular file")


# ----------------------------------------------------------------------------------- fuzz: trees

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Longest a single load may take, seconds.
LIMIT_S = 1.0

KEYS = st.sampled_from(
    ["measure", "rate_card", "sponsors", "rates", "min_clarity", "min_side_px", "max_gap_s", "currency",
     "default_per_s", "Acme", "aliases", "reads", "category", "artwork", "name", "", "x.y", "ü"]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
TREES = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS | st.text(max_size=8), kids, max_size=4),
    max_leaves=25,
)


def _toml_value(v: object) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(v), repr(v))
    return json.dumps(v) if isinstance(v, str) else str(v)


def dump(tree: object, fmt: str) -> str:
    """Return ``tree`` written as ``fmt`` text (TOML: its top level as keys, else one ``value`` key)."""
    if fmt == "json":
        return json.dumps(tree)
    if fmt == "yaml":
        return yaml.safe_dump(tree, allow_unicode=True)
    items = tree.items() if isinstance(tree, dict) else [("value", tree)]
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n" for k, v in items)


def load_both(path: Path) -> None:
    """Load ``path`` as a config and as a catalogue; only a result or ConfigError may come out, each
    within :data:`LIMIT_S`."""
    for load in (load_config, parse_catalogue):
        start = time.perf_counter()
        try:
            result = load(path)
            assert isinstance(result, (Config, Catalogue))
        except ConfigError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(path))
        assert time.perf_counter() - start < LIMIT_S, (load.__name__, path.read_bytes()[:200])


FORMATS = st.sampled_from(["toml", "yaml", "json"])


@FUZZ
@given(tree=TREES, fmt=FORMATS, bom=st.booleans())
def test_fuzz_trees(tmp_path: Path, tree: object, fmt: str, bom: bool) -> None:
    path = tmp_path / f"fuzz.{fmt}"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + dump(tree, fmt).encode("utf-8", "surrogatepass"))
    load_both(path)


@FUZZ
@given(tree=TREES, fmt=FORMATS)
def test_fuzz_config_shaped_trees(tmp_path: Path, tree: object, fmt: str) -> None:
    """Trees under the real top-level keys, so validation (not only parsing) is exercised."""
    shaped = {"measure": tree, "rate_card": {"rates": tree}, "sponsors": tree if fmt != "toml" else {"A": {}}}
    path = tmp_path / f"shaped.{fmt}"
    path.write_text(dump(shaped, fmt), encoding="utf-8", errors="surrogatepass")
    load_both(path)


TEXT_BITS = st.sampled_from(
    ["[", "]", "{", "}", "[[", "]]", ":", "=", ",", "\n", " ", "  ", "-", "- ", '"', "'", "#", "&a", "*a",
     "<<", "!!set", "!!binary", "!!python/object", "?", "|", ">", "---", "...", "1e999", "nan", "NaN",
     "Infinity", "true", "null", "~", "measure", "sponsors", "rate_card", "min_clarity", "\ufeff", "\\u0000",
     "0x10", "1979-05-27", "9" * 5000]
)  # fmt: skip
TEXTS = st.lists(TEXT_BITS | st.text(max_size=6), max_size=40).map("".join)


@FUZZ
@given(text=TEXTS, fmt=FORMATS)
def test_fuzz_text(tmp_path: Path, text: str, fmt: str) -> None:
    path = tmp_path / f"text.{fmt}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    load_both(path)


@FUZZ
@given(data=st.binary(max_size=512), fmt=FORMATS)
def test_fuzz_bytes(tmp_path: Path, data: bytes, fmt: str) -> None:
    path = tmp_path / f"bytes.{fmt}"
    path.write_bytes(data)
    load_both(path)


def test_billion_laughs_yaml_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="more than"):
        load_config(path)
    assert time.perf_counter() - start < LIMIT_S
