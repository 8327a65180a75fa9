"""Lossless JSON round trip of the schema model.

The encoder walks dataclass fields; the decoder rebuilds them from the same type hints, so adding a
field to the model needs no change here. Fields equal to their default are omitted from the JSON to
keep model files small and diffable; decoding restores the default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from dbaudit.model.schema import SchemaModel

MODEL_FORMAT_VERSION = 1

T = TypeVar("T")


class ModelFormatError(ValueError):
    """A model JSON document is not one this version of dbaudit can read."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
_NO_DEFAULT: Any = object()
# Classes whose instances sources share between tables (equal columns, types, index keys): their
# JSON value is computed once per object and reused.
_SHARED_CLASSES = frozenset({"Column", "ColumnType", "IndexElement"})
_ENCODERS: dict[type[Any], Callable[[Any, dict[int, Any]], Any]] = {}


def to_jsonable(value: Any, *, exclude: frozenset[str] = frozenset()) -> Any:
    """Plain JSON values for a model object: dataclass fields equal to their default are left out.

    Encoders are built once per class (a model of 5,000 tables has hundreds of thousands of objects,
    so the generic ``dataclasses.fields`` walk per object was the slowest part of writing a model).
    Model objects are immutable and sources share equal ones (a column type, an ``id`` column), so
    each distinct object is encoded once per call and its JSON value reused: treat the result as
    read-only. Fields named in ``exclude`` are left out at every level (the fingerprint drops
    statistics and locations this way).
    """
    return _encode(value, {}) if not exclude else _Excluding(exclude).encode(value)


def _encode(value: Any, memo: dict[int, Any]) -> Any:
    tp = type(value)
    if tp in _SCALARS:
        return value
    encoder = _ENCODERS.get(tp)
    if encoder is None:
        encoder = _ENCODERS[tp] = _make_encoder(tp)
    return encoder(value, memo)


_EXCLUDING_ENCODERS: dict[frozenset[str], dict[type[Any], Callable[[Any, dict[int, Any]], Any]]] = {}


class _Excluding:
    """An encoding pass that leaves out some field names, with its own per-class encoders."""

    def __init__(self, exclude: frozenset[str]) -> None:
        self.exclude = exclude
        self.encoders = _EXCLUDING_ENCODERS.setdefault(exclude, {})
        self.memo: dict[int, Any] = {}

    def encode(self, value: Any) -> Any:
        return self._encode(value, self.memo)

    def _encode(self, value: Any, memo: dict[int, Any]) -> Any:
        tp = type(value)
        if tp in _SCALARS:
            return value
        encoder = self.encoders.get(tp)
        if encoder is None:
            encoder = self.encoders[tp] = _make_encoder(tp, self.exclude, self._encode)
        return encoder(value, memo)


def _make_encoder(
    tp: type[Any], exclude: frozenset[str] = frozenset(),
    recurse: Callable[[Any, dict[int, Any]], Any] | None = None,
) -> Callable[[Any, dict[int, Any]], Any]:
    again = recurse or _encode
    if dataclasses.is_dataclass(tp):
        return _dataclass_encoder(tp, exclude, again)
    if issubclass(tp, Enum):
        return lambda v, _memo: v.value
    if issubclass(tp, date):  # datetime too
        return lambda v, _memo: v.isoformat()
    if issubclass(tp, tuple | list):
        return lambda v, memo: [item if type(item) in _SCALARS else again(item, memo) for item in v]
    if issubclass(tp, str | int | float):
        return lambda v, _memo: v
    raise TypeError(f"cannot encode {tp.__name__} in a model")


def _dataclass_encoder(
    cls: type[Any], exclude: frozenset[str], again: Callable[[Any, dict[int, Any]], Any],
) -> Callable[[Any, dict[int, Any]], dict[str, Any]]:
    spec: list[tuple[str, Any]] = []
    klass: Any = cls
    for f in _fields(klass):
        if f.name in exclude:
            continue
        if f.default is not dataclasses.MISSING:
            spec.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:
            spec.append((f.name, f.default_factory()))
        else:
            spec.append((f.name, _NO_DEFAULT))
    scalars = _SCALARS

    def encode(obj: Any, memo: dict[int, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, default in spec:
            item = getattr(obj, name)
            if item is default or (default is not _NO_DEFAULT and item == default):
                continue
            out[name] = item if type(item) in scalars else again(item, memo)
        return out

    if cls.__name__ not in _SHARED_CLASSES:
        return encode

    def encode_shared(obj: Any, memo: dict[int, Any]) -> dict[str, Any]:
        done: dict[str, Any] | None = memo.get(id(obj))
        if done is None:
            done = memo[id(obj)] = encode(obj, memo)
        return done

    return encode_shared


def from_jsonable(cls: type[T], data: Any) -> T:
    return typing.cast("T", _decode(cls, data))


@cache
def _fields(cls: Any) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: Any) -> Any:
    return _decoder(tp)(data)


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function that decodes JSON data into ``tp``, built once per type hint."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) != 1:
            return lambda data: data
        inner = _decoder(members[0])
        return lambda data: None if data is None else inner(data)
    if origin is typing.Literal:
        allowed = get_args(tp)
        return lambda data: _literal(data, allowed)
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item_decoder = _decoder(args[0])
            return lambda data: tuple([item_decoder(item) for item in _as_list(data)])
        decoders = [_decoder(a) for a in args]
        return lambda data: tuple(d(item) for d, item in zip(decoders, _as_list(data), strict=True))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return lambda data: _enum(tp, data)
    if tp is datetime:
        return _datetime
    if tp is date:
        return _date
    if tp is bool:
        return _bool
    if tp is int:
        return _int
    if tp is str:
        return _str
    return lambda data: data


def _enum(tp: type[Enum], data: Any) -> Enum:
    try:
        return tp(data)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in tp)
        raise ModelFormatError(f"unexpected {tp.__name__} {data!r}, expected one of {allowed}") from None


def _date(data: Any) -> date | None:
    if data is None:
        return None
    try:
        return date.fromisoformat(_str(data))
    except ValueError:
        raise ModelFormatError(f"expected an ISO 8601 date, got {data!r}") from None


def _datetime(data: Any) -> datetime | None:
    if data is None:
        return None
    try:
        return datetime.fromisoformat(_str(data))
    except ValueError:
        raise ModelFormatError(f"expected an ISO 8601 date and time, got {data!r}") from None


def _literal(data: Any, allowed: tuple[Any, ...]) -> Any:
    if data not in allowed:
        raise ModelFormatError(f"unexpected value {data!r}, expected one of {allowed}")
    return data


def _bool(data: Any) -> bool:
    if not isinstance(data, bool):
        raise ModelFormatError(f"expected a boolean, got {data!r}")
    return data


def _int(data: Any) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise ModelFormatError(f"expected an integer, got {data!r}")
    return data


def _str(data: Any) -> str:
    if not isinstance(data, str):
        raise ModelFormatError(f"expected a string, got {data!r}")
    return data


def _as_list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ModelFormatError(f"expected a list, got {type(data).__name__}")
    return data


def _dataclass_decoder(cls: Any) -> Callable[[Any], Any]:
    hints = _hints(cls)
    fields: dict[str, Callable[[Any], Any]] = {}

    def field_decoder(name: str) -> Callable[[Any], Any]:
        # Resolved on first use: the model's classes refer to each other (and to themselves).
        found = fields.get(name)
        if found is None:
            found = fields[name] = _decoder(hints[name])
        return found

    known = frozenset(f.name for f in _fields(cls))

    def decode(data: Any) -> Any:
        if not isinstance(data, dict):
            raise ModelFormatError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        if not known.issuperset(data):
            unknown = set(data) - known
            raise ModelFormatError(f"unknown field(s) for {cls.__name__}: {', '.join(sorted(unknown))}")
        kwargs = {name: field_decoder(name)(value) for name, value in data.items()}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ModelFormatError(f"{cls.__name__}: {exc}") from None

    return decode


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def model_to_json(model: SchemaModel, *, indent: int | None = 1) -> str:
    """The model as a JSON document.

    With ``indent`` (the default) every table, sequence, enum and extension sits on a line of its
    own, so a diff of two model files points at the objects that changed, at the cost of compact
    JSON (Python's indenting encoder is several times slower). ``indent=None`` gives one line.
    """
    data = to_jsonable(model)
    if indent is None:
        return _ENCODER.encode({"dbaudit_model_version": MODEL_FORMAT_VERSION, "model": data})
    encode = _ENCODER.encode
    pad = " " * indent
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = f",\n{pad}{pad}".join(encode(item) for item in value)
            parts.append(f"{pad}{encode(key)}: [\n{pad}{pad}{items}\n{pad}]")
        else:
            parts.append(f"{pad}{encode(key)}: {encode(value)}")
    return f'{{"dbaudit_model_version": {MODEL_FORMAT_VERSION}, "model": {{\n' + ",\n".join(parts) + "\n}}\n"


def model_from_json(text: str) -> SchemaModel:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"not valid JSON: {exc}") from None
    return model_from_document(document)


def model_from_document(document: Any) -> SchemaModel:
    """The model of an already parsed model file (see :func:`model_to_json`)."""
    if not isinstance(document, dict) or "model" not in document:
        raise ModelFormatError("not a dbaudit model file (no 'model' key)")
    version = document.get("dbaudit_model_version")
    if version != MODEL_FORMAT_VERSION:
        raise ModelFormatError(f"unsupported model format version {version!r}")
    try:
        return from_jsonable(SchemaModel, document["model"])
    except ModelFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # a value the model's own constructors refuse: the file was edited or corrupted
        raise ModelFormatError(f"invalid model: {type(exc).__name__}: {exc}") from None
