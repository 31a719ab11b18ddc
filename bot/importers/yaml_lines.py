"""YAML loading that remembers the line of every key and item, for import errors people can fix."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_BYTES = 5 * 1024 * 1024

Loc = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)


class ImportProblem(Exception):
    """Something in an import file that must be fixed; ``line`` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None, source: str = "<data>") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.source = source

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return f"{where}: {self.message}"


class LineDict(dict[Any, Any]):
    """A mapping read from YAML: ``line`` is where it starts, ``lines[key]`` where each key is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line: int | None = None
        self.lines: dict[Any, int] = {}


class LineList(list[Any]):
    """A sequence read from YAML: ``line`` is where it starts, ``lines[i]`` where item ``i`` is."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line: int | None = None
        self.lines: list[int] = []


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class LineLoader(yaml.SafeLoader):
    """SafeLoader with line-tracking containers, NFC text, and fewer implicit types.

    Only ``true``/``false``, plain decimal integers and ``null`` are typed; everything else stays
    text. YAML 1.1 would read ``17:00`` as the number 1020, ``no`` as false and ``1.10`` as 1.1,
    which is never what someone writing a deadline, a unit code or a section number means.
    Aliases are refused: an import file has no need for them, and they allow "billion laughs".
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's own class registry

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(
                None, None, "aliases (*name) are not supported; repeat the text", event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_map(loader: LineLoader, node: MappingNode) -> LineDict:
    data = LineDict()
    data.line = _line(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "a key cannot be a list or a mapping",
                key_node.start_mark,
            )
        if key in data:
            raise ConstructorError(
                None,
                None,
                f"the key '{key}' appears twice in the same mapping",
                key_node.start_mark,
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = _line(key_node)
    return data


def _construct_seq(loader: LineLoader, node: SequenceNode) -> LineList:
    data = LineList(loader.construct_object(item, deep=True) for item in node.value)
    data.line = _line(node)
    data.lines = [_line(item) for item in node.value]
    return data


# What an escape in a quoted scalar ("\\0", "\\ud800") can make and no database column holds:
# PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _construct_str(loader: LineLoader, node: ScalarNode) -> str:
    text = loader.construct_scalar(node)
    if _UNSTORABLE.search(text):
        raise ConstructorError(
            None,
            None,
            "the text holds a NUL or a lone surrogate (\\0, \\ud800…); remove it",
            node.start_mark,
        )
    return unicodedata.normalize("NFC", text).strip()


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (error.context, error.problem) if p]
    return "; ".join(parts) or "not valid YAML"


def parse_yaml(raw: bytes | str, *, source: str = "<data>") -> LineDict:
    """Parse one YAML document with a mapping at the top; every problem is an ImportProblem."""
    if len(raw) > MAX_BYTES:
        raise ImportProblem("the file is larger than 5 MB", source=source)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            bad_line = raw.count(b"\n", 0, error.start) + 1
            raise ImportProblem(
                "the file is not UTF-8 text; save it as UTF-8", line=bad_line, source=source
            ) from None
    else:
        text = raw
    try:
        data = _load(text, source)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ImportProblem(_yaml_message(error), line=line, source=source) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, int(error.position)) + 1
        raise ImportProblem(
            f"the character U+{int(error.character):04X} is not allowed in YAML",
            line=line,
            source=source,
        ) from None
    except RecursionError:
        raise ImportProblem("the file is nested too deeply", source=source) from None
    return data


def _load(text: str, source: str) -> LineDict:
    loader = LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ImportProblem("the file is empty", source=source)
        if not isinstance(node, MappingNode):
            raise ImportProblem(
                "the top level must be a mapping of 'key: value' lines",
                line=_line(node),
                source=source,
            )
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    assert isinstance(data, LineDict)
    return data


def load_yaml(path: Path) -> LineDict:
    """Read and parse ``path``; problems name the file by its base name."""
    source = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportProblem("the file is larger than 5 MB", source=source)
        raw = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"cannot read the file: {error.strerror}", source=source) from None
    return parse_yaml(raw, source=source)


def locate(data: object, loc: Loc) -> tuple[int | None, str | None]:
    """The line of ``loc`` in ``data`` and the key to name in a message.

    Parts of ``loc`` with no counterpart in the data (pydantic's union tags, a list's
    wrapper key) are skipped; a missing key at the end is named but keeps its mapping's line.
    """
    line: int | None = getattr(data, "line", None)
    label: str | None = None
    current: object = data
    for i, part in enumerate(loc):
        if isinstance(current, Mapping) and part in current:
            if isinstance(current, LineDict):
                line = current.lines.get(part, line)
            if isinstance(part, str):
                label = part
            current = current[part]
        elif (
            isinstance(current, Sequence)
            and not isinstance(current, str)
            and isinstance(part, int)
            and 0 <= part < len(current)
        ):
            if isinstance(current, LineList) and part < len(current.lines):
                line = current.lines[part]
            current = current[part]
        elif (
            isinstance(current, Mapping)
            and isinstance(part, str)
            and part.isidentifier()
            and i == len(loc) - 1
        ):
            label = part
    return line, label


def problem_at(data: object, loc: Loc, message: str, *, source: str) -> ImportProblem:
    """An ImportProblem at ``loc`` of ``data``: ``"<key>: <message>"`` on the key's line."""
    line, label = locate(data, loc)
    text = f"{label}: {message}" if label else message
    return ImportProblem(text, line=line, source=source)


_PREFIXES = ("Value error, ", "Assertion failed, ")
_FRIENDLY = {"extra_forbidden": "unknown key", "missing": "required but missing"}


def _message(error: Mapping[str, Any]) -> str:
    friendly = _FRIENDLY.get(str(error["type"]))
    if friendly:
        return friendly
    message = str(error["msg"])
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message


def validate(model: type[M], data: object, *, source: str, root: object = None, at: Loc = ()) -> M:
    """Validate ``data`` as ``model``; the first error (by line) becomes an ImportProblem.

    ``root`` and ``at`` say where ``data`` sits when it is a part of a larger file.
    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        tree = data if root is None else root
        problems = [
            problem_at(tree, at + tuple(e["loc"]), _message(e), source=source)
            for e in error.errors()
        ]
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise problems[0] from None
