"""The record shapes the index builds shishi.yaml's and unit.yaml's records from without Pydantic are the models' own."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SAMPLE
from shishi.store import index
from shishi.store.ledger import load_files
from shishi.store.load import load


def test_shapes_are_the_models_fields():
    for name, fields in index.SHAPES.items():
        assert fields == index.model_shape(name), f"store.index.SHAPES[{name!r}] differs from store.model.{name}: update it with the model"
    # every record nested in one of them has its shape there too
    nested = {k[1] for fields in index.SHAPES.values() for _n, k in fields if k[0] == "model"}
    nested |= {k[1][1] for fields in index.SHAPES.values() for _n, k in fields if k[0] == "list" and k[1][0] == "model"}
    assert nested <= set(index.SHAPES)


def test_records_read_without_pydantic_equal_the_validated_ones(tmp_path: Path):
    root = tmp_path / "t"
    shutil.copytree(SAMPLE, root)
    ref, light = load_files(root), load(root, entries=False)
    assert light.config == ref.config and light.config.satisfaction[0].score == ref.config.satisfaction[0].score
    assert light.records.keys() == ref.records.keys()
    for path, rec in ref.records.items():
        assert light.records[path] == rec, path
    assert light.config.model_dump() == ref.config.model_dump()  # the model itself, looked up when first used
