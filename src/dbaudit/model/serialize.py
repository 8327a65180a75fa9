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
from datetime import datetime
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
_ENCODERS: dict[type[Any], Callable[[Any], Any]] = {}


def to_jsonable(value: Any) -> Any:
    """Plain JSON values for a model object: dataclass fields equal to their default are left out.

    Encoders are built once per class (a model of 5,000 tables has hundreds of thousands of objects,
    so the generic ``dataclasses.fields`` walk per object was the slowest part of writing a model).
    """
    tp = type(value)
    if tp in _SCALARS:
        return value
    encoder = _ENCODERS.get(tp)
    if encoder is None:
        encoder = _ENCODERS[tp] = _make_encoder(tp)
    return encoder(value)


def _make_encoder(tp: type[Any]) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(tp):
        return _dataclass_encoder(tp)
    if issubclass(tp, Enum):
        return lambda v: v.value
    if issubclass(tp, datetime):
        return lambda v: v.isoformat()
    if issubclass(tp, tuple | list):
        return lambda v: [item if type(item) in _SCALARS else to_jsonable(item) for item in v]
    if issubclass(tp, str | int | float):
        return lambda v: v
    raise TypeError(f"cannot encode {tp.__name__} in a model")


def _dataclass_encoder(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    spec: list[tuple[str, Any]] = []
    klass: Any = cls
    for f in _fields(klass):
        if f.default is not dataclasses.MISSING:
            spec.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:
            spec.append((f.name, f.default_factory()))
        else:
            spec.append((f.name, _NO_DEFAULT))
    scalars = _SCALARS

    def encode(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, default in spec:
            item = getattr(obj, name)
            if item is default or (default is not _NO_DEFAULT and item == default):
                continue
            out[name] = item if type(item) in scalars else to_jsonable(item)
        return out

    return encode


def from_jsonable(cls: type[T], data: Any) -> T:
    return typing.cast("T", _decode(cls, data))


@cache
def _fields(cls: Any) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: Any) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _decode(members[0], data) if len(members) == 1 else data
    if origin is typing.Literal:
        if data not in get_args(tp):
            raise ModelFormatError(f"unexpected value {data!r}, expected one of {get_args(tp)}")
        return data
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in _as_list(data))
        return tuple(_decode(a, item) for a, item in zip(args, _as_list(data), strict=True))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        return None if data is None else datetime.fromisoformat(data)
    if tp is bool and not isinstance(data, bool):
        raise ModelFormatError(f"expected a boolean, got {data!r}")
    if tp is int and (isinstance(data, bool) or not isinstance(data, int)):
        raise ModelFormatError(f"expected an integer, got {data!r}")
    if tp is str and not isinstance(data, str):
        raise ModelFormatError(f"expected a string, got {data!r}")
    return data


def _as_list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ModelFormatError(f"expected a list, got {type(data).__name__}")
    return data


def _decode_dataclass(cls: Any, data: Any) -> Any:
    if not isinstance(data, dict):
        raise ModelFormatError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    hints = _hints(cls)
    known = {f.name for f in _fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ModelFormatError(f"unknown field(s) for {cls.__name__}: {', '.join(sorted(unknown))}")
    kwargs = {name: _decode(hints[name], value) for name, value in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ModelFormatError(f"{cls.__name__}: {exc}") from None


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
    if not isinstance(document, dict) or "model" not in document:
        raise ModelFormatError("not a dbaudit model file (no 'model' key)")
    version = document.get("dbaudit_model_version")
    if version != MODEL_FORMAT_VERSION:
        raise ModelFormatError(f"unsupported model format version {version!r}")
    return from_jsonable(SchemaModel, document["model"])
