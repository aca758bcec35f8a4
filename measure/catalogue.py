"""The sponsor catalogue given by ``--sponsors``: which sponsors to look for and how they read on screen.

Either a comma-separated list of names (``"Santander,Cantabria Labs,Emirates"``) or a TOML, YAML or
JSON file::

    [sponsors."Emirates"]
    aliases = ["Fly Emirates", "Fly Better"]   # other texts that name it on screen
    reads = true                               # false for an icon-only mark: never expect text
    category = "airline"                       # optional; used by the competitor reports
    artwork = ["logos/emirates.png"]           # optional; relative to this file's folder

    [sponsors."Audi"]                          # an empty table is a sponsor with no settings

(JSON/YAML: ``{"sponsors": {"Emirates": {"aliases": [...]}}}``.) Validation is as strict as
:mod:`measure.settings`: unknown keys are refused, values must have the right type (``reads = "yes"`` is
refused), and errors are :class:`CatalogueError` with a one-line message naming the file and the field,
e.g. ``cat.toml: sponsors.Emirates.reads: Input should be a valid boolean``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from measure.configfile import SUFFIXES, read_settings_file
from measure.errors import ConfigError

#: Longest sponsor name or alias, chars.
MAX_NAME = 100
#: Longest category, chars.
MAX_CATEGORY = 50
#: Most sponsors in one catalogue.
MAX_SPONSORS = 2000
#: The keys one sponsor's table may have.
ENTRY_KEYS = ("aliases", "reads", "category", "artwork")

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class CatalogueError(ConfigError):
    """A sponsor catalogue is unreadable or invalid; the message names the file (or list) and the field."""


def _fold(text: str) -> str:
    """Return ``text`` as compared for duplicates: trimmed, inner spaces collapsed, casefolded."""
    return " ".join(text.split()).casefold()


def _as_tuple(value: Any, what: str) -> Any:
    """Return a list given for a tuple field as a tuple; refuse a bare string with a clear message."""
    if isinstance(value, str):
        raise ValueError(f"expected a list of {what}, e.g. [{value!r}]")
    if isinstance(value, list):
        return tuple(value)
    return value


class SponsorEntry(BaseModel):
    """One sponsor of the catalogue."""

    model_config = _STRICT

    name: str
    aliases: tuple[str, ...] = ()
    reads: bool | None = None  # None = not said: guessed later (e.g. from the artwork)
    category: str | None = None
    artwork: tuple[str, ...] = ()

    @field_validator("aliases", "artwork", mode="before")
    @classmethod
    def _lists(cls, v: Any, info: ValidationInfo) -> Any:
        return _as_tuple(v, "alias texts" if info.field_name == "aliases" else "paths")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("sponsor name must not be empty")
        if len(v) > MAX_NAME:
            raise ValueError(f"sponsor name is {len(v)} chars; at most {MAX_NAME}")
        return v

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        name = info.data.get("name")
        seen = {_fold(name)} if isinstance(name, str) else set()
        out: list[str] = []
        for i, alias in enumerate(v):
            alias = alias.strip()
            if not alias:
                raise ValueError(f"alias {i + 1} must not be empty")
            if len(alias) > MAX_NAME:
                raise ValueError(f"alias {alias[:20]!r}... is {len(alias)} chars; at most {MAX_NAME}")
            if _fold(alias) not in seen:  # an alias repeating the name or another alias adds nothing
                seen.add(_fold(alias))
                out.append(alias)
        return tuple(out)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        if not v:
            raise ValueError("category must not be empty (leave it out instead)")
        if len(v) > MAX_CATEGORY:
            raise ValueError(f"category is {len(v)} chars; at most {MAX_CATEGORY}")
        return v

    @field_validator("artwork")
    @classmethod
    def _artwork(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        base = (info.context or {}).get("base")
        out: list[str] = []
        for i, item in enumerate(v):
            if not item.strip():
                raise ValueError(f"artwork path {i + 1} must not be empty")
            path = Path(item.strip()).expanduser()
            if base is not None and not path.is_absolute():
                path = (Path(base) / path).resolve()
            out.append(str(path))
        return tuple(out)

    def texts(self) -> tuple[str, ...]:
        """Return the name then the aliases: every text that names this sponsor on screen."""
        return (self.name, *self.aliases)


def _conflict(sponsors: Sequence[SponsorEntry]) -> tuple[str, str] | None:
    """Return ``(field, message)`` for the first duplicate name or shared alias, or None when all differ."""
    owners: dict[str, SponsorEntry] = {}
    for entry in sponsors:
        prev = owners.get(_fold(entry.name))
        if prev is not None:
            return (
                "sponsors",
                f"duplicate sponsor names {prev.name!r} and {entry.name!r} (names are compared case-insensitively)",
            )
        owners[_fold(entry.name)] = entry
    for entry in sponsors:
        for alias in entry.aliases:
            owner = owners.get(_fold(alias))
            if owner is not None and owner is not entry:
                return (
                    f"sponsors.{entry.name}.aliases",
                    f"alias {alias!r} of {entry.name!r} is also a name or alias of {owner.name!r}",
                )
            owners[_fold(alias)] = entry
    return None


class Catalogue(BaseModel):
    """The sponsors to look for, in catalogue order."""

    model_config = _STRICT

    sponsors: tuple[SponsorEntry, ...]

    @field_validator("sponsors", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        if not self.sponsors:
            raise ValueError("the catalogue names no sponsors")
        if len(self.sponsors) > MAX_SPONSORS:
            raise ValueError(f"the catalogue names {len(self.sponsors)} sponsors; at most {MAX_SPONSORS}")
        found = _conflict(self.sponsors)
        if found is not None:
            raise ValueError(f"{found[0]}: {found[1]}")
        return self

    @property
    def names(self) -> list[str]:
        """The sponsor names, in catalogue order."""
        return [e.name for e in self.sponsors]

    def get(self, name: str) -> SponsorEntry | None:
        """Return the entry called ``name`` (exactly, else case-insensitively after trimming), or None."""
        for entry in self.sponsors:
            if entry.name == name:
                return entry
        folded = _fold(name)
        for entry in self.sponsors:
            if _fold(entry.name) == folded:
                return entry
        return None

    def named(self, text: str) -> SponsorEntry | None:
        """Return the entry that ``text`` names: by its name or an alias, compared trimmed,
        inner spaces collapsed and case-insensitively; None when no entry does."""
        folded = _fold(text)
        for entry in self.sponsors:
            if any(_fold(t) == folded for t in entry.texts()):
                return entry
        return None

    def readable(self) -> list[str]:
        """Return the names of the sponsors whose mark may read as text (``reads`` is not False)."""
        return [e.name for e in self.sponsors if e.reads is not False]

    def texts(self) -> dict[str, tuple[str, ...]]:
        """Return ``{name: texts}`` of the readable sponsors, for :class:`vision.inference.text_match.SponsorMatcher`."""
        return {e.name: e.texts() for e in self.sponsors if e.reads is not False}

    def with_classes(self, classes: Sequence[str], reads: Mapping[str, bool] | None = None) -> Catalogue:
        """A model's class names join the catalogue.

        Classes not already named (case-insensitively, after trimming, by a sponsor's name or alias) are
        added at the end as entries with ``reads=reads.get(name)`` (the guess from their artwork; None when
        unknown); existing entries whose ``reads`` is None take the guess for the class that names them.
        Empty class names are skipped. Returns a new Catalogue (this one is unchanged).
        """
        reads = reads or {}

        def guess(cls_name: str) -> bool | None:
            return reads.get(cls_name, reads.get(cls_name.strip()))

        by_text: dict[str, int] = {}
        for i, entry in enumerate(self.sponsors):
            for text in entry.texts():
                by_text.setdefault(_fold(text), i)
        entries = list(self.sponsors)
        for cls_name in classes:
            name = cls_name.strip()
            if not name:
                continue
            i = by_text.get(_fold(name))
            if i is None:
                by_text[_fold(name)] = len(entries)
                entries.append(SponsorEntry(name=name, reads=guess(cls_name)))
            elif entries[i].reads is None and guess(cls_name) is not None:
                entries[i] = entries[i].model_copy(update={"reads": guess(cls_name)})
        return Catalogue(sponsors=tuple(entries))


def _message(err: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    """Return ``field: message`` for the first error of ``err``, its location under ``prefix``."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in (*prefix, *first["loc"])) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    return f"{loc}: {msg}"


def _build(entries: list[SponsorEntry], source: str) -> Catalogue:
    """Return the catalogue of ``entries``; CatalogueError naming ``source`` when they conflict."""
    if not entries:
        raise CatalogueError(f"{source}: sponsors: the catalogue names no sponsors")
    if len(entries) > MAX_SPONSORS:
        raise CatalogueError(f"{source}: sponsors: {len(entries)} sponsors; at most {MAX_SPONSORS}")
    found = _conflict(entries)
    if found is not None:
        raise CatalogueError(f"{source}: {found[0]}: {found[1]}")
    return Catalogue(sponsors=tuple(entries))


def _parse_list(spec: str) -> Catalogue:
    """Return the catalogue of a comma-separated list of names (one trailing comma is ignored)."""
    source = "--sponsors"
    items = spec.split(",")
    if len(items) > 1 and not items[-1].strip():
        items = items[:-1]
    entries: list[SponsorEntry] = []
    for i, item in enumerate(items):
        if not item.strip():
            if len(items) == 1:
                raise CatalogueError(f"{source}: no sponsor names given")
            raise CatalogueError(f"{source}: item {i + 1} of {spec!r} is empty")
        try:
            entries.append(SponsorEntry(name=item))
        except ValidationError as e:
            raise CatalogueError(f"{source}: {item.strip()[:40]!r}: {_message(e)}") from None
    return _build(entries, source)


def _read(path: Path) -> Any:
    """Return the parsed contents of a catalogue file (:func:`measure.configfile.read_settings_file`);
    CatalogueError when unreadable or invalid."""
    return read_settings_file(path, "sponsor catalogue", CatalogueError)


def _parse_file(path: Path) -> Catalogue:
    """Return the catalogue read from a TOML, YAML or JSON file."""
    data = _read(path)
    shape = 'a table "sponsors" with one table per sponsor, e.g. [sponsors."Emirates"]'
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: (top level): expected {shape}")
    extra = sorted(str(k) for k in data if k != "sponsors")
    if extra:
        raise CatalogueError(f"{path}: {extra[0]}: unknown key; a catalogue has only {shape}")
    if "sponsors" not in data:
        raise CatalogueError(f"{path}: sponsors: missing; expected {shape}")
    table = data["sponsors"]
    if not isinstance(table, dict):
        raise CatalogueError(f"{path}: sponsors: expected {shape}, not a {type(table).__name__}")
    base = path.resolve().parent
    entries: list[SponsorEntry] = []
    for name, settings in table.items():
        if not isinstance(name, str):
            raise CatalogueError(f"{path}: sponsors: sponsor name {name!r} must be a string (quote it)")
        if settings is None:  # YAML "Audi:" with nothing under it
            settings = {}
        if not isinstance(settings, dict):
            raise CatalogueError(
                f"{path}: sponsors.{name}: expected a table of settings ({', '.join(ENTRY_KEYS)}), "
                f"not a {type(settings).__name__}"
            )
        bad = [k for k in settings if not isinstance(k, str)]
        if bad:
            raise CatalogueError(f"{path}: sponsors.{name}: setting name {bad[0]!r} must be a string")
        if "name" in settings:
            raise CatalogueError(f"{path}: sponsors.{name}.name: Extra inputs are not permitted")
        try:
            entry = SponsorEntry.model_validate({"name": name, **settings}, context={"base": base})
        except ValidationError as e:
            loc = e.errors()[0]["loc"]
            if loc and loc[0] == "name":  # the table's key is the name: report it as sponsors.<name>
                msg = e.errors()[0]["msg"].removeprefix("Value error, ")
                raise CatalogueError(f"{path}: sponsors.{name.strip()[:40]}: {msg}") from None
            raise CatalogueError(f"{path}: {_message(e, ('sponsors', name))}") from None
        entries.append(entry)
    return _build(entries, str(path))


def parse_catalogue(spec: str | Path) -> Catalogue:
    """Return the sponsor catalogue given by ``--sponsors``.

    ``spec`` is a file path when it is a :class:`~pathlib.Path`, exists as a file or ends in .toml, .yaml,
    .yml or .json (then a missing file is an error naming it); otherwise a comma-separated list of names.
    Raises :class:`CatalogueError` (a :class:`~measure.settings.ConfigError`) with a one-line message.
    """
    if isinstance(spec, Path):
        return _parse_file(spec)
    if spec.strip().lower().endswith(SUFFIXES) or _is_file(spec):
        return _parse_file(Path(spec.strip()))
    return _parse_list(spec)


def _is_file(spec: str) -> bool:
    """Return True when ``spec`` names an existing file (False for names no file system accepts)."""
    try:
        return Path(spec).is_file()
    except (OSError, ValueError):
        return False
