"""The model's JSON round trip: lossless for every field, compact, strict on bad input."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import UTC, datetime
from enum import Enum
from typing import Any, get_args, get_origin

import pytest

from dbaudit.model import (
    ModelFormatError,
    SchemaModel,
    SourceInfo,
    Table,
    TableStats,
    model_from_json,
    model_to_json,
    schema_fingerprint,
)


def sample(tp: Any, depth: int = 0) -> Any:
    """A value of type ``tp`` that differs from every field default (so every field is serialised)."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in get_args(tp) if a is not type(None)), depth)
    if origin is typing.Literal:
        return get_args(tp)[-1]
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return (sample(args[0], depth), sample(args[0], depth))
        return tuple(sample(a, depth) for a in args)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: sample(hints[f.name], depth + 1) for f in dataclasses.fields(tp) if f.init})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return list(tp)[-1]
    if tp is datetime:
        return datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    if tp is bool:
        return True
    if tp is int:
        return 7 + depth
    if tp is float:
        return 1.5
    if tp is str:
        return f"näme \"{depth}\""
    raise TypeError(f"no sample for {tp!r}")


class TestRoundTrip:
    def test_every_field_survives(self) -> None:
        """A model with a non-default value in every field of every class reads back equal."""
        model = sample(SchemaModel)
        assert model_from_json(model_to_json(model)) == model
        assert model_from_json(model_to_json(model, indent=None)) == model

    def test_defaults_are_omitted(self) -> None:
        """Fields equal to their default are left out, so model files stay small."""
        model = SchemaModel(source=SourceInfo("postgresql", "db"), tables=(Table("public", "t"),))
        document = json.loads(model_to_json(model))
        assert document == {
            "dbaudit_model_version": 1,
            "model": {"source": {"kind": "postgresql", "name": "db"}, "tables": [{"schema": "public", "name": "t"}]},
        }

    def test_one_object_per_line(self) -> None:
        """The default layout puts each table on its own line, so diffs point at the table that changed."""
        model = SchemaModel(source=SourceInfo("postgresql", "db"),
                            tables=(Table("public", "a"), Table("public", "b")))
        lines = model_to_json(model).splitlines()
        assert ' {"schema": "public", "name": "a"},' in [line[1:] for line in lines]
        assert len(lines) == 7


class TestBadInput:
    @pytest.mark.parametrize(("text", "message"), [
        ("not json", "not valid JSON"),
        ('{"x": 1}', "not a dbaudit model file (no 'model' key)"),
        ('{"dbaudit_model_version": 9, "model": {}}', "unsupported model format version 9"),
        ('{"dbaudit_model_version": 1, "model": {"source": {"kind": "k", "name": "n"}, "tabels": []}}',
         "unknown field(s) for SchemaModel: tabels"),
        ('{"dbaudit_model_version": 1, "model": {"source": {"kind": "k", "name": 3}}}', "expected a string, got 3"),
    ])
    def test_errors_say_what_is_wrong(self, text: str, message: str) -> None:
        """Broken or foreign documents raise ModelFormatError naming the problem."""
        with pytest.raises(ModelFormatError) as info:
            model_from_json(text)
        assert message in str(info.value)


class TestFingerprint:
    def test_statistics_and_source_do_not_change_the_fingerprint(self) -> None:
        """Statistics, sizes and the source name are not structure."""
        base = SchemaModel(source=SourceInfo("postgresql", "a"), tables=(Table("public", "t"),))
        busy = dataclasses.replace(
            base, source=SourceInfo("postgresql", "b", server_version="16"),
            tables=(Table("public", "t", stats=TableStats(rows_estimate=5)),),
        )
        renamed = dataclasses.replace(base, tables=(Table("public", "u"),))
        assert schema_fingerprint(base) == schema_fingerprint(busy) != schema_fingerprint(renamed)
