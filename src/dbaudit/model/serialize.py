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
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from dbaudit.model.schema import SchemaModel

MODEL_FORMAT_VERSION = 1

T = TypeVar("T")


class ModelFormatError(ValueError):
    """A model JSON document is not one this version of dbaudit can read."""


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in _fields(type(value)):
            item = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and item == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and item == f.default_factory():
                continue
            out[f.name] = to_jsonable(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


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


def model_to_json(model: SchemaModel, *, indent: int | None = 1) -> str:
    document = {"dbaudit_model_version": MODEL_FORMAT_VERSION, "model": to_jsonable(model)}
    return json.dumps(document, indent=indent, ensure_ascii=False, sort_keys=False)


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
