"""Reading a TOML, YAML or JSON file into plain Python data, the same way for every file a user gives
as settings: the ``--config`` file (:mod:`measure.settings`) and the ``--sponsors`` catalogue
(:mod:`measure.catalogue`).

The same rules hold in every format:

* the file must be a regular file (a named pipe or a device is refused at once, never read) of at
  most :data:`~measure.limits.MAX_CONFIG_BYTES`, in UTF-8; a UTF-8 byte-order mark is accepted;
* a key given twice in one table is refused, naming the key (TOML refuses it too; JSON and YAML
  would silently keep the last one);
* nesting deeper than :data:`~measure.limits.MAX_CONFIG_DEPTH` or more than
  :data:`~measure.limits.MAX_CONFIG_VALUES` values (YAML aliases counted at each use) is refused;
* every failure is one :class:`~measure.errors.ConfigError` line naming the file, never another
  exception.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from measure.errors import ConfigError
from measure.limits import MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, MAX_CONFIG_VALUES
from measure.paths import display_path

#: File suffixes read as settings files, lower case.
SUFFIXES = (".toml", ".yaml", ".yml", ".json")
_BOM = "\ufeff"


class DuplicateKey(ValueError):
    """A key given twice in one table; the message names it."""


def _key_text(key: object) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(f"duplicate key {_key_text(key)}")
        out[key] = value
    return out


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (merge keys ``<<`` may still
    be overridden, as YAML says)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # SafeConstructor refuses unhashable keys with its own message
                if key in seen:
                    line = key_node.start_mark.line + 1
                    raise DuplicateKey(f"duplicate key {_key_text(key)} (line {line})")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"\\]*"|'[^']*'))*)\s*="""
)


def _toml_duplicate(text: str) -> str | None:
    """Return the first key set twice in one table of a TOML ``text`` (a best effort line scan, to
    name the key tomllib's "Cannot overwrite a value" leaves out), or None."""
    table, seen = "", set()
    for line in text.splitlines():
        m = _TOML_TABLE.match(line)
        if m:
            table = m.group(1)
            continue
        m = _TOML_KEY.match(line)
        if m:
            key = re.sub(r"\s*\.\s*", ".", m.group(1))
            if (table, key) in seen:
                return f"{table}.{key}" if table else key
            seen.add((table, key))
    return None


def _check_shape(data: Any) -> None:
    """Raise ValueError when ``data`` nests deeper than MAX_CONFIG_DEPTH or holds more than
    MAX_CONFIG_VALUES values (each visit counted: shared YAML aliases and cycles too)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_CONFIG_VALUES:
            raise ValueError(f"more than {MAX_CONFIG_VALUES} values (YAML aliases count at each use)")
        if depth > MAX_CONFIG_DEPTH:
            raise ValueError(f"nested more than {MAX_CONFIG_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value if isinstance(k, tuple))
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend((v, depth + 1) for v in value)


def read_settings_file(
    path: str | os.PathLike[str], what: str = "config", error: Callable[[str], ConfigError] = ConfigError
) -> Any:
    """Return the parsed contents of the TOML, YAML or JSON file ``path`` (chosen by its suffix):
    dicts, lists and scalars. An empty YAML file gives None.

    ``what`` names the file in messages ("config", "sponsor catalogue"); ``error`` builds the
    exception raised, with one line starting with the file's name, for an unreadable, non-regular,
    too large, non-UTF-8, invalid, duplicated-key, too deeply nested or too large file.
    """
    path = Path(path)
    shown = display_path(os.fspath(path))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise error(f"{shown}: a {what} must be .toml, .yaml, .yml or .json")
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{shown}: cannot read {what}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{shown}: cannot read {what}: not a regular file ({file_kind(st.st_mode)})")
        if st.st_size > MAX_CONFIG_BYTES:
            raise error(f"{shown}: {what} is {st.st_size} bytes; at most {MAX_CONFIG_BYTES} bytes")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise error(f"{shown}: cannot read {what}: {e.strerror or e}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise error(f"{shown}: {what} is over {MAX_CONFIG_BYTES} bytes")
    fmt = "YAML" if suffix in (".yaml", ".yml") else suffix[1:].upper()
    try:
        text = raw.decode("utf-8").removeprefix(_BOM)
        if suffix == ".toml":
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                dup = _toml_duplicate(text) if str(e).startswith("Cannot overwrite") else None
                if dup is None:
                    raise
                raise DuplicateKey(f"duplicate key {_key_text(dup)}") from None
        elif suffix == ".json":
            data = json.loads(text, object_pairs_hook=_json_pairs)
        else:
            loader = _StrictLoader(text)
            try:
                data = loader.get_single_data()
            finally:
                loader.dispose()
        _check_shape(data)
    except DuplicateKey as e:
        raise error(f"{shown}: {e}; give each key once") from None
    except RecursionError:
        raise error(f"{shown}: not valid {fmt}: nested too deeply") from None
    except (ValueError, yaml.YAMLError) as e:  # TOML/JSON decode errors, UTF-8, huge integers...
        detail = " ".join(str(e).split()) or type(e).__name__
        raise error(f"{shown}: not valid {fmt}: {detail}") from None
    return data


def file_kind(mode: int) -> str:
    """Return what a file that is not regular is, from its ``st_mode``: "a named pipe (FIFO)", "a
    socket", "a character device", "a block device" or "not a regular file"."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"
