"""The sponsor catalogue (``--sponsors``): comma lists, TOML/YAML/JSON files, strict validation, model classes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from measure import catalogue as catalogue_module
from measure.catalogue import Catalogue, CatalogueError, SponsorEntry, parse_catalogue
from measure.errors import ConfigError

FULL_TOML = """
[sponsors."Emirates"]
aliases = ["Fly Emirates", "Fly Better"]
reads = true
category = "airline"
artwork = ["logos/emirates.png"]

[sponsors."Audi"]

[sponsors."Apple"]
reads = false
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``tmp_path / name`` and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(spec: str | Path) -> str:
    """Return the CatalogueError message of ``parse_catalogue(spec)``."""
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(spec)
    assert isinstance(info.value, ConfigError)
    assert "\n" not in str(info.value)
    return str(info.value)


def toml_error(tmp_path: Path, text: str) -> str:
    """Return the error message for a TOML catalogue ``text``, without the file's path prefix."""
    path = write(tmp_path, "cat.toml", text)
    msg = error(path)
    assert msg.startswith(f"{path}: ")
    return msg.removeprefix(f"{path}: ")


# --- module rules --------------------------------------------------------------------------------------


def test_no_heavy_imports() -> None:
    tree = ast.parse(Path(catalogue_module.__file__).read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"cv2", "torch", "torchvision", "ultralytics"}


def test_error_is_a_config_error() -> None:
    assert issubclass(CatalogueError, ConfigError)


# --- comma lists ---------------------------------------------------------------------------------------


def test_comma_list() -> None:
    cat = parse_catalogue("Santander,Cantabria Labs,Emirates")
    assert cat.names == ["Santander", "Cantabria Labs", "Emirates"]
    assert all(e.aliases == () and e.reads is None and e.category is None for e in cat.sponsors)
    assert cat.texts() == {
        "Santander": ("Santander",),
        "Cantabria Labs": ("Cantabria Labs",),
        "Emirates": ("Emirates",),
    }


def test_comma_list_trims_and_allows_one_trailing_comma() -> None:
    assert parse_catalogue("  Santander , Emirates ,").names == ["Santander", "Emirates"]
    assert parse_catalogue("Audi").names == ["Audi"]
    assert parse_catalogue("Audi,").names == ["Audi"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a,,b", "--sponsors: item 2 of 'a,,b' is empty"),
        (",a", "--sponsors: item 1 of ',a' is empty"),
        ("a, ,b", "--sponsors: item 2 of 'a, ,b' is empty"),
        ("a,,", "--sponsors: item 2 of 'a,,' is empty"),
        ("", "--sponsors: no sponsor names given"),
        ("   ", "--sponsors: no sponsor names given"),
        (",", "--sponsors: no sponsor names given"),
    ],
)
def test_comma_list_empty_items(spec: str, message: str) -> None:
    assert error(spec) == message


def test_comma_list_duplicates() -> None:
    assert error("Audi,Santander,AUDI") == (
        "--sponsors: sponsors: duplicate sponsor names 'Audi' and 'AUDI' (names are compared case-insensitively)"
    )
    assert "duplicate sponsor names 'Audi' and 'Audi'" in error("Audi, Audi ")


def test_comma_list_name_too_long() -> None:
    msg = error("Audi," + "x" * 101)
    assert msg == f"--sponsors: {'x' * 40!r}: name: sponsor name is 101 chars; at most 100"
    assert parse_catalogue("x" * 100).names == ["x" * 100]


def test_comma_list_too_many() -> None:
    assert len(parse_catalogue(",".join(f"s{i}" for i in range(2000))).names) == 2000
    assert (
        error(",".join(f"s{i}" for i in range(2001))) == "--sponsors: sponsors: 2001 sponsors; at most 2000"
    )


def test_comma_list_that_exists_as_a_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "cat.toml", FULL_TOML)
    assert parse_catalogue("cat.toml").names == ["Emirates", "Audi", "Apple"]


def test_name_that_is_no_file_is_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_catalogue("sponsors").names == ["sponsors"]
    assert parse_catalogue("a\0b").names == ["a\0b"]  # no file system accepts it: a name


# --- files ---------------------------------------------------------------------------------------------


def test_toml_file(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.toml", FULL_TOML)
    cat = parse_catalogue(path)
    assert cat.names == ["Emirates", "Audi", "Apple"]
    emirates = cat.get("Emirates")
    assert emirates == SponsorEntry(
        name="Emirates",
        aliases=("Fly Emirates", "Fly Better"),
        reads=True,
        category="airline",
        artwork=(str((tmp_path / "logos" / "emirates.png").resolve()),),
    )
    assert emirates.texts() == ("Emirates", "Fly Emirates", "Fly Better")
    audi = cat.get("Audi")
    assert audi == SponsorEntry(name="Audi")
    assert cat.readable() == ["Emirates", "Audi"]
    assert cat.texts() == {"Emirates": ("Emirates", "Fly Emirates", "Fly Better"), "Audi": ("Audi",)}


def test_path_given_as_string(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.toml", FULL_TOML)
    assert parse_catalogue(str(path)).names == ["Emirates", "Audi", "Apple"]


def test_yaml_file(tmp_path: Path) -> None:
    data = {
        "sponsors": {
            "Emirates": {"aliases": ["Fly Emirates"], "reads": True, "category": "airline"},
            "Audi": {},
            "Apple": {"reads": False},
        }
    }
    for suffix in (".yaml", ".yml", ".YAML"):
        path = write(tmp_path, f"cat{suffix}", yaml.safe_dump(data, sort_keys=False))
        cat = parse_catalogue(path)
        assert cat.names == ["Emirates", "Audi", "Apple"]
        assert cat.get("Emirates") == SponsorEntry(
            name="Emirates", aliases=("Fly Emirates",), reads=True, category="airline"
        )


def test_yaml_entry_with_nothing_under_it(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.yaml", "sponsors:\n  Audi:\n  Santander:\n    reads: true\n")
    cat = parse_catalogue(path)
    assert cat.names == ["Audi", "Santander"]
    assert cat.get("Audi") == SponsorEntry(name="Audi")


def test_json_file(tmp_path: Path) -> None:
    data = {"sponsors": {"Emirates": {"aliases": ["Fly Emirates"]}, "Audi": {}}}
    path = write(tmp_path, "cat.json", json.dumps(data))
    cat = parse_catalogue(path)
    assert cat.names == ["Emirates", "Audi"]
    assert cat.get("Emirates") == SponsorEntry(name="Emirates", aliases=("Fly Emirates",))


def test_artwork_paths_resolved_against_catalogue_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cats"
    folder.mkdir()
    absolute = tmp_path / "elsewhere" / "logo.svg"
    write(
        folder,
        "cat.toml",
        f'[sponsors.Audi]\nartwork = ["logos/audi.png", "../up.png", {json.dumps(str(absolute))}]\n',
    )
    monkeypatch.chdir(tmp_path)  # the working folder does not matter
    entry = parse_catalogue(Path("cats") / "cat.toml").get("Audi")
    assert entry is not None
    assert entry.artwork == (
        str((folder / "logos" / "audi.png").resolve()),
        str((tmp_path / "up.png").resolve()),
        str(absolute),
    )


def test_names_and_aliases_trimmed_and_repeats_dropped(tmp_path: Path) -> None:
    text = '[sponsors."  Emirates "]\naliases = [" Fly Emirates ", "FLY EMIRATES", "emirates"]\ncategory = " air "\n'
    cat = parse_catalogue(write(tmp_path, "cat.toml", text))
    entry = cat.get("Emirates")
    assert entry == SponsorEntry(name="Emirates", aliases=("Fly Emirates",), category="air")


def test_file_name_with_dots_and_quotes(tmp_path: Path) -> None:
    cat = parse_catalogue(write(tmp_path, "cat.toml", '[sponsors."bet365.com"]\n[sponsors."1&1"]\n'))
    assert cat.names == ["bet365.com", "1&1"]


# --- file errors ---------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert error(missing).startswith(f"{missing}: cannot read sponsor catalogue: ")
    assert error(str(missing)).startswith(f"{missing}: cannot read sponsor catalogue: ")
    assert error("nope.yaml").startswith("nope.yaml: cannot read sponsor catalogue: ")
    assert error("nope.JSON").startswith("nope.JSON: cannot read sponsor catalogue: ")


def test_unknown_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.txt", "Audi")
    assert error(path) == f"{path}: a sponsor catalogue must be .toml, .yaml, .yml or .json"
    assert error(str(path)) == f"{path}: a sponsor catalogue must be .toml, .yaml, .yml or .json"


@pytest.mark.parametrize(
    ("name", "text", "start"),
    [
        ("cat.toml", "[sponsors\n", "not valid TOML: "),
        ("cat.json", "{", "not valid JSON: "),
        ("cat.yaml", "sponsors: [", "not valid YAML: "),
    ],
)
def test_invalid_syntax(tmp_path: Path, name: str, text: str, start: str) -> None:
    path = write(tmp_path, name, text)
    assert error(path).startswith(f"{path}: {start}")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cat.toml"
    path.write_bytes(b'[sponsors."\xff"]\n')
    assert error(path).startswith(f"{path}: not valid TOML: ")


SHAPE = 'a table "sponsors" with one table per sponsor, e.g. [sponsors."Emirates"]'


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("cat.yaml", "", f"(top level): expected {SHAPE}"),
        ("cat.json", "[1, 2]", f"(top level): expected {SHAPE}"),
        ("cat.json", '"Audi"', f"(top level): expected {SHAPE}"),
        ("cat.toml", "", f"sponsors: missing; expected {SHAPE}"),
        ("cat.toml", 'name = "x"\n', f"name: unknown key; a catalogue has only {SHAPE}"),
        ("cat.toml", 'sponsors = ["Audi", "Emirates"]\n', f"sponsors: expected {SHAPE}, not a list"),
        ("cat.json", '{"sponsors": "Audi"}', f"sponsors: expected {SHAPE}, not a str"),
        ("cat.json", '{"sponsors": {}}', "sponsors: the catalogue names no sponsors"),
        ("cat.toml", "[sponsors]\n", "sponsors: the catalogue names no sponsors"),
        (
            "cat.toml",
            'sponsors.Audi = "yes"\n',
            "sponsors.Audi: expected a table of settings (aliases, reads, category, artwork), not a str",
        ),
        (
            "cat.json",
            '{"sponsors": {"Audi": ["Audi AG"]}}',
            "sponsors.Audi: expected a table of settings (aliases, reads, category, artwork), not a list",
        ),
        ("cat.yaml", "sponsors:\n  123: {}\n", "sponsors: sponsor name 123 must be a string (quote it)"),
    ],
)
def test_wrong_shape(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    assert error(path) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[sponsors."Emirates"]\nreads = "yes"\n',
            "sponsors.Emirates.reads: Input should be a valid boolean",
        ),
        ('[sponsors."Emirates"]\nreads = 1\n', "sponsors.Emirates.reads: Input should be a valid boolean"),
        ('[sponsors."Emirates"]\nread = true\n', "sponsors.Emirates.read: Extra inputs are not permitted"),
        ('[sponsors."Emirates"]\nname = "x"\n', "sponsors.Emirates.name: Extra inputs are not permitted"),
        (
            '[sponsors."Emirates"]\naliases = "Fly Emirates"\n',
            "sponsors.Emirates.aliases: expected a list of alias texts, e.g. ['Fly Emirates']",
        ),
        (
            '[sponsors."Emirates"]\naliases = [1]\n',
            "sponsors.Emirates.aliases.0: Input should be a valid string",
        ),
        (
            '[sponsors."Emirates"]\naliases = ["x", " "]\n',
            "sponsors.Emirates.aliases: alias 2 must not be empty",
        ),
        (
            f'[sponsors."Emirates"]\naliases = ["{"y" * 101}"]\n',
            f"sponsors.Emirates.aliases: alias {'y' * 20!r}... is 101 chars; at most 100",
        ),
        (
            '[sponsors."Emirates"]\ncategory = 3\n',
            "sponsors.Emirates.category: Input should be a valid string",
        ),
        (
            '[sponsors."Emirates"]\ncategory = "  "\n',
            "sponsors.Emirates.category: category must not be empty (leave it out instead)",
        ),
        (
            f'[sponsors."Emirates"]\ncategory = "{"c" * 51}"\n',
            "sponsors.Emirates.category: category is 51 chars; at most 50",
        ),
        (
            '[sponsors."Emirates"]\nartwork = "logo.png"\n',
            "sponsors.Emirates.artwork: expected a list of paths, e.g. ['logo.png']",
        ),
        (
            '[sponsors."Emirates"]\nartwork = [""]\n',
            "sponsors.Emirates.artwork: artwork path 1 must not be empty",
        ),
        (
            '[sponsors."Emirates"]\nartwork = [5]\n',
            "sponsors.Emirates.artwork.0: Input should be a valid string",
        ),
        ('[sponsors."  "]\n', "sponsors.: sponsor name must not be empty"),
        (f'[sponsors."{"n" * 101}"]\n', f"sponsors.{'n' * 40}: sponsor name is 101 chars; at most 100"),
    ],
)
def test_field_errors(tmp_path: Path, text: str, message: str) -> None:
    assert toml_error(tmp_path, text) == message


def test_reads_as_string_refused_in_json(tmp_path: Path) -> None:
    path = write(tmp_path, "cat.json", '{"sponsors": {"Audi": {"reads": "false"}}}')
    assert error(path) == f"{path}: sponsors.Audi.reads: Input should be a valid boolean"


def test_relative_path_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "cat.toml", '[sponsors."Emirates"]\nreads = "yes"\n')
    assert error("cat.toml") == "cat.toml: sponsors.Emirates.reads: Input should be a valid boolean"


def test_duplicate_names_in_file(tmp_path: Path) -> None:
    msg = toml_error(tmp_path, '[sponsors."Audi"]\n[sponsors."AUDI"]\n')
    assert (
        msg == "sponsors: duplicate sponsor names 'Audi' and 'AUDI' (names are compared case-insensitively)"
    )
    msg = toml_error(tmp_path, '[sponsors."Audi"]\n[sponsors." audi "]\n')
    assert "duplicate sponsor names 'Audi' and 'audi'" in msg


def test_alias_shared_with_another_sponsor(tmp_path: Path) -> None:
    msg = toml_error(
        tmp_path, '[sponsors."Emirates"]\naliases = ["Fly"]\n[sponsors."Flybe"]\naliases = ["FLY"]\n'
    )
    assert msg == "sponsors.Flybe.aliases: alias 'FLY' of 'Flybe' is also a name or alias of 'Emirates'"


def test_alias_equal_to_another_sponsors_name(tmp_path: Path) -> None:
    msg = toml_error(tmp_path, '[sponsors."Emirates"]\naliases = ["audi"]\n[sponsors."Audi"]\n')
    assert msg == "sponsors.Emirates.aliases: alias 'audi' of 'Emirates' is also a name or alias of 'Audi'"


def test_too_many_sponsors_in_file(tmp_path: Path) -> None:
    data = {"sponsors": {f"s{i}": {} for i in range(2001)}}
    path = write(tmp_path, "cat.json", json.dumps(data))
    assert error(path) == f"{path}: sponsors: 2001 sponsors; at most 2000"


# --- the models ----------------------------------------------------------------------------------------


def test_models_are_frozen_and_strict() -> None:
    entry = SponsorEntry(name="Audi")
    with pytest.raises(ValidationError):
        entry.name = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        SponsorEntry(name="Audi", reads="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        SponsorEntry(name="Audi", extra=1)  # type: ignore[call-arg]
    assert SponsorEntry(name="Audi", aliases=["Audi AG"]).aliases == ("Audi AG",)  # type: ignore[arg-type]


def test_catalogue_model_validation() -> None:
    with pytest.raises(ValidationError, match="the catalogue names no sponsors"):
        Catalogue(sponsors=())
    with pytest.raises(ValidationError, match="duplicate sponsor names 'Audi' and 'audi'"):
        Catalogue(sponsors=(SponsorEntry(name="Audi"), SponsorEntry(name="audi")))
    with pytest.raises(ValidationError, match="is also a name or alias of 'Audi'"):
        Catalogue(sponsors=(SponsorEntry(name="Audi"), SponsorEntry(name="VW", aliases=("AUDI",))))
    with pytest.raises(ValidationError, match="at most 2000"):
        Catalogue(sponsors=tuple(SponsorEntry(name=f"s{i}") for i in range(2001)))


def test_get() -> None:
    cat = parse_catalogue("Audi,Santander")
    assert cat.get("Audi") == SponsorEntry(name="Audi")
    assert cat.get(" audi ") == SponsorEntry(name="Audi")
    assert cat.get("BMW") is None


def test_artwork_kept_as_given_without_a_file() -> None:
    assert SponsorEntry(name="A", artwork=("logos/a.png",)).artwork == ("logos/a.png",)


# --- with_classes --------------------------------------------------------------------------------------


def test_with_classes_adds_new_classes() -> None:
    cat = parse_catalogue("Santander,Emirates")
    merged = cat.with_classes(["Nike", "Adidas"], {"Nike": False})
    assert merged.names == ["Santander", "Emirates", "Nike", "Adidas"]
    assert merged.get("Nike") == SponsorEntry(name="Nike", reads=False)
    assert merged.get("Adidas") == SponsorEntry(name="Adidas", reads=None)
    assert merged.readable() == ["Santander", "Emirates", "Adidas"]
    assert "Nike" not in merged.texts()
    assert cat.names == ["Santander", "Emirates"]  # unchanged


def test_with_classes_matches_existing_case_insensitively() -> None:
    cat = parse_catalogue("Santander,Emirates")
    merged = cat.with_classes([" santander ", "EMIRATES"], {" santander ": True, "EMIRATES": False})
    assert merged.names == ["Santander", "Emirates"]
    assert merged.get("Santander") == SponsorEntry(name="Santander", reads=True)
    assert merged.get("Emirates") == SponsorEntry(name="Emirates", reads=False)


def test_with_classes_keeps_reads_already_said(tmp_path: Path) -> None:
    cat = parse_catalogue(write(tmp_path, "cat.toml", FULL_TOML))
    merged = cat.with_classes(
        ["Emirates", "Apple", "Audi"], {"Emirates": False, "Apple": True, "Audi": False}
    )
    assert merged.get("Emirates") is not None and merged.get("Emirates").reads is True  # type: ignore[union-attr]
    assert merged.get("Apple").reads is False  # type: ignore[union-attr]
    assert merged.get("Audi").reads is False  # type: ignore[union-attr]  (None took the guess)
    assert merged.get("Emirates").aliases == ("Fly Emirates", "Fly Better")  # type: ignore[union-attr]


def test_with_classes_without_guesses() -> None:
    cat = parse_catalogue("Santander")
    merged = cat.with_classes(["Santander", "Nike", "nike", "", "  "])
    assert merged.names == ["Santander", "Nike"]
    assert all(e.reads is None for e in merged.sponsors)


def test_with_classes_alias_counts_as_named(tmp_path: Path) -> None:
    cat = parse_catalogue(write(tmp_path, "cat.toml", '[sponsors.Emirates]\naliases = ["Fly Emirates"]\n'))
    merged = cat.with_classes(["fly emirates"], {"fly emirates": True})
    assert merged.names == ["Emirates"]
    assert merged.get("Emirates").reads is True  # type: ignore[union-attr]


def test_with_classes_trims_new_names() -> None:
    merged = parse_catalogue("Audi").with_classes(["  Nike  "], {"  Nike  ": True})
    assert merged.names == ["Audi", "Nike"]
    assert merged.get("Nike").reads is True  # type: ignore[union-attr]


def test_named_finds_an_entry_by_name_or_alias() -> None:
    cat = parse_catalogue("Santander").with_classes(["Audi"])
    emirates = Catalogue(
        sponsors=(*cat.sponsors, SponsorEntry(name="Emirates", aliases=("Fly  Better",))),
    )
    assert emirates.named("fly better").name == "Emirates"
    assert emirates.named(" SANTANDER ").name == "Santander"
    assert emirates.named("Audi").name == "Audi"
    assert emirates.named("Unibet") is None
