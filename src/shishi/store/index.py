"""The incremental index: an SQLite cache of everything read from the ledger tree.

`<root>/.shishi/index.sqlite` (git-ignored) holds, per file, what reading it
produced: its items (fields as columns for `shishi query`, and two marshal
blobs per file: the `hot` fields every load needs, the `full` items), targets,
milestones, extensions, the file's problems and what the one-item checks found
in it (`findings`), the IDs of items too broken to validate, unit records,
surveys, partial sums for the figures (store.sums). A run stats every file
and re-reads only those whose size or mtime changed — and, when a file was written so recently
that its mtime cannot be trusted, those whose content hash changed. Many
changed files are parsed (and stored) by worker processes.

`load(root)` then builds the `Ledger` from the index: each entry's item is an
`ItemRecord` whose HOT_FIELDS (status, dates, resolution, targets …: what
roll-ups, reports and filters read) come from the `hot` blob, and whose other
fields are filled in, a file at a time, from the `full` blob when first read.
Records read like the Pydantic `Item` (same attribute names and values);
anything else (`model_dump`, `model_copy` …) is answered by the real `Item`,
validated from the record. Key positions (for problems) come from reading the
item's file again, which only a problem needs.

The index is a cache: when it is missing, corrupt, from another schema or
written by other code (a fingerprint of the reading code), it is rebuilt; when
SQLite fails at all, the caller reads the files directly. WAL journaling lets
readers and one writer work at once; each load reads from one snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from shishi.errors import Problem, ShishiError
from shishi.i18n import get_lang, set_lang, tr
from shishi.store import sums
from shishi.store import tree as t
from shishi.store.yamlio import Map, Seq, YamlError, decode

if TYPE_CHECKING:  # the models (Pydantic) are imported only where a file is read or a record validated: not by a warm roll-up
    from pydantic import BaseModel

SCHEMA_VERSION = 7  # 4: files.sig before the blobs (every run reads it; a column after a blob is read through the blob's pages); 5: file_sums; 6: group_sums, hot milestones and attachments; 7: findings
DB_NAME = "index.sqlite"
RACY_NS = 2_000_000_000  # an mtime this close to the time the file was read may hide a later write
PARALLEL_BYTES = 1_500_000  # parse changed files in worker processes above this much text (~2,000 items)
PROGRESS_BYTES = 2_500_000  # show a progress bar on a terminal above this much text (~3,500 items)

# The tables, as documented for `shishi query` in README.md ("### Speed").
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE files(path TEXT PRIMARY KEY, kind TEXT, unit TEXT, size INTEGER, mtime_ns INTEGER, hash TEXT,
    read_ns INTEGER, lang TEXT, problems INTEGER, items INTEGER, found INTEGER, sig TEXT, hot BLOB, full BLOB);
CREATE TABLE problems(file TEXT, line INTEGER, col INTEGER, message TEXT, severity TEXT);
CREATE TABLE findings(file TEXT, line INTEGER, col INTEGER, message TEXT, severity TEXT);
CREATE TABLE config(file TEXT PRIMARY KEY, json TEXT);
CREATE TABLE units(path TEXT PRIMARY KEY, file TEXT, name TEXT, kind TEXT, short TEXT, code TEXT, clerk TEXT,
    parent TEXT, depth INTEGER, json TEXT, data TEXT);
CREATE TABLE items(file TEXT, seq INTEGER, unit TEXT, line INTEGER, id TEXT, kind TEXT, status TEXT, title TEXT,
    category TEXT, source TEXT, handling TEXT, owner TEXT, opened TEXT, due TEXT, budget TEXT, escalated_from TEXT,
    escalated_to TEXT, resolved TEXT, beneficiaries INTEGER, spent TEXT, satisfaction TEXT, verified TEXT,
    cancelled TEXT, supervision TEXT, judged TEXT, left_on TEXT);
CREATE TABLE targets(item TEXT, file TEXT, seq INTEGER, name TEXT, unit TEXT, planned TEXT, actual TEXT, item_seq INTEGER);
CREATE TABLE milestones(item TEXT, file TEXT, seq INTEGER, name TEXT, due TEXT, done TEXT);
CREATE TABLE extensions(item TEXT, file TEXT, seq INTEGER, date TEXT, milestone TEXT, original TEXT, "to" TEXT,
    reason TEXT, approved_by TEXT, late INTEGER);
CREATE TABLE broken(id TEXT, file TEXT, line INTEGER, col INTEGER);
CREATE TABLE surveys(file TEXT, seq INTEGER, line INTEGER, unit TEXT, quarter TEXT, agency TEXT, date TEXT, sample INTEGER, json TEXT);
CREATE TABLE survey_counts(file TEXT, seq INTEGER, unit TEXT, quarter TEXT, level TEXT, count INTEGER);
CREATE INDEX items_file ON items(file, seq);
CREATE INDEX items_id ON items(id);
CREATE INDEX items_moves ON items(escalated_from, status, id, unit, opened, due, judged, kind, category, file, seq)
    WHERE status = 'escalated' OR escalated_from IS NOT NULL;
CREATE INDEX problems_file ON problems(file);
CREATE INDEX findings_file ON findings(file);
CREATE INDEX targets_file ON targets(file);
CREATE INDEX milestones_file ON milestones(file);
CREATE INDEX extensions_file ON extensions(file);
CREATE INDEX broken_file ON broken(file);
CREATE INDEX surveys_file ON surveys(file);
CREATE INDEX survey_counts_file ON survey_counts(file);
CREATE INDEX files_kind ON files(kind, path);
CREATE INDEX files_stat ON files(path, kind, unit, size, mtime_ns, sig, read_ns, problems, lang, found);
""" + sums.FILE_SUMS_DDL + ";" + sums.FILE_TARGETS_DDL + ";"  # partial figures per ledger file (store.sums)
PER_FILE = ("problems", "findings", "items", "targets", "milestones", "extensions", "broken", "surveys", "survey_counts", "file_sums", "group_sums", "file_targets")


# ------------------------------------------------------------------ light records


class _no_gc:
    """The cyclic garbage collector paused while hundreds of thousands of objects are built.

    Without the pause it walks all of them again and again as they pile up,
    which halves the speed of a large load; pausing only delays collecting
    the few cycles among them (records and their file's filler).
    """

    def __enter__(self):
        import gc

        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        import gc

        if self.was:
            gc.enable()


class _FrozenEmpty(list):
    """The one shared empty list of loaded records: reads like [], refuses changes."""

    def _refuse(self, *a, **k):
        raise TypeError("records loaded from the index are read-only (model_copy() gives an editable Item)")

    append = extend = insert = remove = pop = clear = sort = reverse = __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


EMPTY: list = _FrozenEmpty()


_DAYS: dict[str, date] = {}


def _day(s: str) -> date:
    """A date from its ISO text; equal dates share one (immutable) object: a year has 365 of them."""
    d = _DAYS.get(s)
    if d is None:
        d = _DAYS[s] = date.fromisoformat(s)
    return d


_ISOS: dict[date, str] = {}


def _iso(d: date) -> str:
    """A date's ISO text, one object per date: marshal then stores each date once per file."""
    s = _ISOS.get(d)
    if s is None:
        s = _ISOS[d] = d.isoformat()
    return s


def _kind(annotation) -> tuple:
    """What a field holds: ("plain",), ("date",), ("decimal",), ("model", M) or ("list", inner kind)."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = [_kind(a) for a in typing.get_args(annotation) if a is not type(None)]
        return kinds[0] if len(kinds) == 1 else ("plain",)
    if origin is list:
        return ("list", _kind(typing.get_args(annotation)[0]))
    if annotation is date:
        return ("date",)
    if annotation is Decimal:
        return ("decimal",)
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation.__name__)
    return ("plain",)


# The shapes of the records a roll-up reads (shishi.yaml, unit.yaml), as `_kind` finds them on the models:
# their record classes are built without importing Pydantic (tests/test_index.py checks them against the models).
SHAPES: dict[str, tuple[tuple[str, tuple], ...]] = {
    "Config": (("district", ("plain",)), ("code", ("plain",)), ("categories", ("list", ("plain",))), ("sources", ("list", ("plain",))),
               ("time_limits", ("model", "TimeLimits")), ("satisfaction", ("list", ("model", "Level"))), ("weights", ("model", "Weights")),
               ("git", ("model", "GitSettings")), ("issuer", ("plain",))),
    "TimeLimits": (("default", ("plain",)), ("classes", ("plain",)), ("categories", ("plain",)), ("due_soon_days", ("plain",)), ("response_days", ("plain",))),
    "Level": (("name", ("plain",)), ("score", ("decimal",)), ("satisfied", ("plain",))),
    "Weights": (("response", ("decimal",)), ("resolution", ("decimal",)), ("satisfaction", ("decimal",))),
    "GitSettings": (("auto_commit", ("plain",)),),
    "Unit": (("name", ("plain",)), ("kind", ("plain",)), ("short", ("plain",)), ("code", ("plain",)), ("clerk", ("plain",)), ("former", ("list", ("plain",)))),
}


def shape(model) -> tuple[tuple[str, tuple], ...]:
    """(field, kind) of a record in field order: from SHAPES by name, else from the Pydantic model's fields."""
    name = model if isinstance(model, str) else model.__name__
    return SHAPES[name] if name in SHAPES else model_shape(name)


def model_shape(model) -> tuple[tuple[str, tuple], ...]:
    """(field, kind) of a Pydantic model (or the model of that name) in field order, read from its fields."""
    m = _model(model) if isinstance(model, str) else model
    return tuple((n, _kind(f.annotation)) for n, f in m.model_fields.items())


def _model(name: str):
    """The Pydantic model of that name (store.model, imported now)."""
    from shishi.store import model

    return getattr(model, name)


class _ModelOf:
    """A record class's `model`: the Pydantic model, looked up when first used (validating, model_dump …)."""

    def __get__(self, obj, cls):
        m = _model(cls.model_name)
        cls.model = m  # looked up once
        return m


def _reader(kind: tuple, form: str):
    """A function from the stored form ("json" dicts or "tuple"s) of a field to its value; None for as-is."""
    if kind[0] == "date":
        return _day
    if kind[0] == "decimal":
        return Decimal
    if kind[0] == "model":
        cls = record_class(kind[1])
        return cls.from_json if form == "json" else cls.from_tuple
    if kind[0] == "list":
        inner = _reader(kind[1], form)
        if inner is None:
            return lambda v: list(v) if v else EMPTY  # [] shared and read-only: a third of a record's size otherwise
        return lambda v: [inner(x) for x in v] if v else EMPTY
    return None


def _writer(kind: tuple):
    """A function from a field's value on a validated Pydantic model to its tuple form; None for as-is."""
    if kind[0] == "date":
        return _iso
    if kind[0] == "decimal":
        return str
    if kind[0] == "model":
        return record_class(kind[1]).to_tuple
    if kind[0] == "list":
        inner = _writer(kind[1])
        return (lambda v: tuple(v)) if inner is None else (lambda v: tuple(inner(x) for x in v))
    return None


def _plain_expr(n: str, kind: tuple, v: str, env: dict) -> str:
    """Generated expression: `_writer`'s form of `v`, a field's value (not None, not a list) as plain data (a record as a dict)."""
    if kind[0] == "model":
        env[f"p_{n}"] = record_class(kind[1]).plain_tuple
        return f"p_{n}({v})"
    if kind[0] == "date":
        return f"(isos_get({v}) or iso({v}))"  # `_iso` without a call for a date seen before
    if kind[0] == "decimal":
        return f"str({v})"
    raise AssertionError(kind)


class Record:
    """Base of the light, slotted mirrors of the Pydantic records (see `record_class`)."""

    __slots__ = ()
    model: type[BaseModel]
    model_name: str
    fields: tuple[str, ...]

    def full(self) -> BaseModel:
        """The record as its validated Pydantic model."""
        return self.model.model_validate(self._plain())

    def _plain(self) -> dict:
        out = {}
        for name in self.fields:
            v = getattr(self, name)
            if isinstance(v, Record):
                v = v._plain()
            elif isinstance(v, list):
                v = [x._plain() if isinstance(x, Record) else x for x in v]
            out[name] = v
        return out

    def __getattr__(self, name: str):
        # Pydantic's API (model_dump, model_copy …) on the real model
        if name.startswith("_") or name in type(self).fields:
            raise AttributeError(name)
        return getattr(self.full(), name)

    def __eq__(self, other) -> bool:
        if isinstance(other, Record):
            return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self.fields)
        pydantic = sys.modules.get("pydantic")  # not imported: other is no model
        if pydantic is not None and isinstance(other, pydantic.BaseModel):
            return self.full() == other
        return NotImplemented

    __hash__ = None  # like Pydantic models

    def __repr__(self) -> str:
        return f"{self.model_name}({', '.join(f'{f}={getattr(self, f)!r}' for f in self.fields)})"

    def __reduce__(self):
        return (_rebuild, (self.model_name, self._plain()))


def _rebuild(model: str, plain: dict):
    return from_plain(_model(model), plain)


_RECORDS: dict[str, type] = {}  # model name -> record class

# fields whose few values repeat over the whole tree: stored once per file (marshal keeps interned strings
# once) and read back as one object each
SHARED_TEXT = {("Item", "kind"), ("Item", "status"), ("Item", "category"), ("Item", "source"), ("Item", "handling"), ("Item", "owner"),
               ("Resolution", "satisfaction"), ("Verification", "by"), ("Supervision", "level"), ("Supervision", "by")}


def _assign(n: str, kind: tuple, form: str, env: dict) -> str:
    """Generated code setting o.<n> from `v`, its stored form; conversions inlined (no call for a cached date or an empty list)."""
    k = kind[0]
    if k == "plain":
        return f"o.{n} = v"
    if k == "date":
        return f"o.{n} = None if v is None else (days_get(v) or day(v))"
    if k == "decimal":
        return f"o.{n} = None if v is None else Decimal(v)"
    f = f"{form}_{n}"
    if k == "model":
        env[f] = _reader(kind, form)
        return f"o.{n} = None if v is None else {f}(v)"
    inner = _reader(kind[1], form)  # a list
    if inner is None:
        return f"o.{n} = list(v) if v else EMPTY"
    env[f] = inner
    return f"o.{n} = [{f}(x) for x in v] if v else EMPTY"


def _plain_of(n: str, kind: tuple, env: dict) -> str:
    """Generated expression: the plain data (model_dump's python mode, cleaned) of `v`, a field's tuple form;
    every text of `short` characters or more passed through `mk` (a function of one str, or None)."""
    k = kind[0]
    if k == "date":
        return "days_get(v) or day(v)"
    if k == "decimal":
        return "Decimal(v)"
    if k == "model":
        env[f"c_{n}"] = record_class(kind[1])
        return f"c_{n}.data_tuple(v, mk, short)"
    if k == "list":
        inner = kind[1]
        if inner[0] == "model":
            env[f"c_{n}"] = record_class(inner[1])
            return f"[c_{n}.data_tuple(x, mk, short) for x in v]"
        if inner[0] == "plain":
            return "list(v) if mk is None else [mk(x) if type(x) is str and len(x) >= short else x for x in v]"
        env[f"p_{n}"] = _reader(inner, "tuple")
        return f"[p_{n}(x) for x in v]"
    return "v if mk is None or type(v) is not str or len(v) < short else mk(v)"


def _json_of(n: str, kind: tuple, env: dict, mapping: bool) -> str:
    """Generated expression: what `_plain_of` gives, JSON-ready (dates as their ISO text, money as the number
    `render.json.default` writes): orjson then needs no callback. `mapping`: the field holds a dict (cleaned and
    masked like item_to_data and mask_data do)."""
    k = kind[0]
    if k == "date":
        return "v"  # stored as date.isoformat()
    if k == "decimal":
        return "number(v)"
    if k == "model":
        env[f"c_{n}"] = record_class(kind[1])
        return f"c_{n}.json_tuple(v, mk, short, hit)"
    if k == "list":
        inner = kind[1]
        if inner[0] == "model":
            env[f"c_{n}"] = record_class(inner[1])
            return f"[c_{n}.json_tuple(x, mk, short, hit) for x in v]"
        if inner[0] == "plain":
            return "list(v) if mk is None else [mk(x) if type(x) is str and len(x) >= short and hit(x) else x for x in v]"
        return "list(v)" if inner[0] == "date" else "[number(x) for x in v]"
    if mapping:
        return "plain_json(v, mk, short, hit)"
    return "v if mk is None or type(v) is not str or len(v) < short or not hit(v) else mk(v)"


def _number(s: str):
    """Stored money (its str) as `render.json.default` writes the Decimal: an int when whole, else a float."""
    if s.isdigit():
        return int(s)
    d = Decimal(s)
    return int(d) if d == d.to_integral_value() else float(d)


def _plain_json(v, mk, short, hit):
    """A dict or list field's value as item_to_data cleans it (None, False and [] left out of dicts), every long text through mk."""
    if isinstance(v, dict):
        return {k: _plain_json(x, mk, short, hit) for k, x in v.items() if x is not None and x is not False and x != [] and x != ()}
    if isinstance(v, (list, tuple)):
        return [_plain_json(x, mk, short, hit) for x in v]
    if mk is not None and type(v) is str and len(v) >= short and (hit is None or hit(v)):
        return mk(v)
    return v


def _is_mapping(annotation) -> bool:
    import typing

    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return typing.get_origin(annotation) is dict or annotation is dict


def _literal(annotation) -> bool:
    """A Literal of str (kind, status, a supervision level …), optional or not."""
    import types
    import typing

    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _literal(args[0])
    return typing.get_origin(annotation) is typing.Literal and all(type(a) is str for a in typing.get_args(annotation))


def _env(cls) -> dict:
    return {"new": object.__new__, "cls": cls, "days_get": _DAYS.get, "day": _day, "Decimal": Decimal, "EMPTY": EMPTY,
            "number": _number, "plain_json": _plain_json}


def record_class(model: type[BaseModel] | str, declared: type | None = None) -> type:
    """The light record class mirroring a Pydantic model (or the model of that name): same field names, slots, no validation.

    Generated per class (a loop over fields costs twice as much per record):
    `from_json(d)` from the model's JSON (None values left out), `to_tuple(m)`
    from a validated model to a tuple in field order (dates and money as
    text, as in JSON), `from_tuple(t)` back, and `fill_tuple(o, t)`
    completing a record in place. The records of SHAPES are built without
    Pydantic; their `model` is looked up when first used.
    """
    name = model if isinstance(model, str) else model.__name__
    cls = _RECORDS.get(name)
    if cls is not None:
        return cls
    fields = shape(name)
    names = tuple(n for n, _k in fields)
    the_model = _ModelOf() if isinstance(model, str) else model
    cls = declared or type(f"{name}Record", (Record,), {"__slots__": names, "model": the_model, "model_name": name, "fields": names, "__module__": __name__})
    _RECORDS[name] = cls  # before the converters: records may nest
    kinds = dict(fields)
    # the plain and JSON data of stored tuples (items and what they hold) need the models' annotations: not made for SHAPES
    ann = None if name in SHAPES else {n: f.annotation for n, f in (_model(name) if isinstance(model, str) else model).model_fields.items()}
    env = _env(cls)
    more = ["    o._more = None"] if "_more" in getattr(cls, "__slots__", ()) else []
    body_json = [f"    v = d.get({n!r})\n    {_assign(n, kinds[n], 'json', env)}" for n in names]  # JSON leaves out None only
    body_tuple = [f"    v = t[{i}]\n    {_assign(n, kinds[n], 'tuple', env)}" for i, n in enumerate(names)]
    src = ["def from_json(d):", "    o = new(cls)", *body_json, *more, "    return o", ""]
    src += ["def fill_tuple(o, t):", *body_tuple, *more, ""]
    src += ["def from_tuple(t):", "    o = new(cls)", *body_tuple, *more, "    return o", ""]
    made = ["from_json", "fill_tuple", "from_tuple", "to_tuple"]
    if ann is not None:
        made += ["data_tuple", "json_tuple"]
        src += ["def data_tuple(t, mk=None, short=0):", "    d = {}"]  # the tuple form as plain data, exactly as item_to_data gives the model
        for i, n in enumerate(names):
            value = "plain_json(v, mk, short, None)" if _is_mapping(ann[n]) else _plain_of(n, kinds[n], env)
            src += [f"    v = t[{i}]", "    if v is not None and v is not False and v != ():", f"        d[{n!r}] = {value}"]
        src += ["    return d", ""]
        # the same, JSON-ready, and for an item the unit path right after its ID (as item_view puts it); hit(str): might mk change it
        src += ["def json_tuple(t, mk=None, short=0, hit=None, unit=None):", "    d = {}"]
        for i, n in enumerate(names):
            k = kinds[n]
            # what can be stored decides what "empty" can be: a list is a tuple, a date or money never False
            empty = "v" if k[0] == "list" else "v is not None" if k[0] != "plain" else "v is not None and v is not False"
            value = "v" if _literal(ann[n]) else _json_of(n, k, env, _is_mapping(ann[n]))  # a vocabulary word holds no number
            src += [f"    v = t[{i}]", f"    if {empty}:", f"        d[{n!r}] = {value}"]
            if i == 0 and n == "id":
                src += ["    if unit is not None:", "        d['unit'] = unit"]
        src += ["    return d", ""]
    src += ["def to_tuple(m):", "    return ("]  # read straight off the model: ten times Pydantic's JSON-mode dump
    env["intern"] = sys.intern
    for n in names:
        w = _writer(kinds[n])
        env[f"w_{n}"] = w
        if (name, n) in SHARED_TEXT:
            src.append(f"        None if m.{n} is None else intern(m.{n}),")
        else:
            src.append(f"        m.{n}," if w is None else f"        None if m.{n} is None else w_{n}(m.{n}),")
    src.append("    )")
    src += ["", "def plain_tuple(d):", "    return ("]  # to_tuple's tuple from the model's validated fields as plain dicts (model.plain_validator)
    env["isos_get"], env["iso"] = _ISOS.get, _iso
    for n in names:
        k = kinds[n]
        if (name, n) in SHARED_TEXT:
            src.append(f"        None if (v := d[{n!r}]) is None else intern(v),")
        elif _writer(k) is None:
            src.append(f"        d[{n!r}],")
        elif k[0] == "list":  # inlined: most lists are empty, and a call per field and item is a tenth of a cold read
            inner = "x" if _writer(k[1]) is None else _plain_expr(n, k[1], "x", env)
            each = "tuple(v)" if inner == "x" else f"tuple([{inner} for x in v])"
            src.append(f"        {each} if (v := d[{n!r}]) else None if v is None else (),")
        else:
            src.append(f"        None if (v := d[{n!r}]) is None else {_plain_expr(n, k, 'v', env)},")
    src.append("    )")
    exec("\n".join(src), env)  # noqa: S102 - generated from the model's field names only
    for fn in (*made, "plain_tuple"):
        setattr(cls, fn, staticmethod(env[fn]))
    return cls


def from_plain(model: type[BaseModel], plain: dict) -> Record:
    """A record from plain data, validated by the model (as the index stores it: through JSON)."""
    return record_class(model).from_json(json.loads(model.model_validate(plain).model_dump_json(exclude_none=True)))


class _ItemRecordBase(Record):
    """An item from the index: the fields rollups and filters read come from the file's `hot` blob
    (`_more` set), the others from the item's JSON when one of them is first read. (The class, `ItemRecord`,
    is made from the model's fields when first wanted.)"""

    __slots__ = ()

    def __getattr__(self, name: str):
        if name in type(self).fields:
            try:
                more = object.__getattribute__(self, "_more")
            except AttributeError:
                more = None
            if more is not None:
                more(self)
                return object.__getattribute__(self, name)
        return Record.__getattr__(self, name)


def _item_record_class() -> type:
    cls = _RECORDS.get("Item")
    if cls is None:
        from shishi.store.model import Item

        names = tuple(Item.model_fields)
        declared = type("ItemRecord", (_ItemRecordBase,), {"__slots__": names + ("_more",), "model": Item, "model_name": "Item", "fields": names, "__module__": __name__})
        cls = record_class(Item, declared)
    return cls


def __getattr__(name: str):
    if name == "ItemRecord":  # index.ItemRecord: made when first asked for (it needs the model)
        return _item_record_class()
    if name == "ITEM_FIELDS":  # the positions in an item's stored tuple
        return _item_record_class().fields
    if name in ("Item", "Config", "Unit", "SurveyEntry"):  # index.Item …: the models, imported when asked for
        return _model(name)
    raise AttributeError(name)


# The fields of an item every load builds, for every item: what roll-ups, reports and filters read
# (rollup.contribute lists its own). The others are read, a file at a time, when first wanted.
HOT_FIELDS = (
    "id",
    "kind",
    "status",
    "category",
    "opened",
    "due",
    "budget",
    "escalated_from",
    "resolution",
    "verification",
    "cancellation",
    "supervision",
    "targets",
    "extensions",
    "milestones",  # the 序时 of every project a report ranks
    "attachments",  # the photos of every project a report lists
    "escalated_to",  # and these two for `check` (escalation links, vocabularies): it fills no record
    "source",
)


# ------------------------------------------------------------------ positions


def encode_node(node: object, values: bool) -> object:
    """A Map/Seq tree as JSON-able lists keeping every position (scalar values only when asked)."""
    if isinstance(node, Map):
        return ["m", node.line, node.col, [[k, *node.pos[k], encode_node(v, values)] for k, v in node.items()]]
    if isinstance(node, Seq):
        return ["s", node.line, node.col, [[*node.pos[i], encode_node(v, values)] for i, v in enumerate(node)]]
    return node if values else None


def decode_node(blob: object) -> object:
    if not isinstance(blob, list):
        return blob
    if blob[0] == "m":
        m = Map()
        m.line, m.col, m.pos = blob[1], blob[2], {}
        for k, kl, kc, vl, vc, child in blob[3]:
            m[k] = decode_node(child)
            m.pos[k] = (kl, kc, vl, vc)
        return m
    s = Seq()
    s.line, s.col, s.pos = blob[1], blob[2], []
    for line, col, child in blob[3]:
        s.append(decode_node(child))
        s.pos.append((line, col))
    return s


# ------------------------------------------------------------------ reading one file (in any process)


@dataclass
class FileResult:
    path: str
    kind: str
    unit: str
    size: int
    mtime_ns: int
    hash: str
    read_ns: int
    sig: str = ""
    problems: list[tuple] = field(default_factory=list)
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    items: int = 0
    found: bool = False  # the one-item checks were run on its items (`findings`)


def signature(st: os.stat_result) -> str:
    """What besides size and mtime says a file is the one read: a hand edit restored with `touch -r`, `cp -p` or `rsync -a` changes its ctime or inode."""
    return f"{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def _s(v) -> str | None:
    return None if v is None else str(v)


def read_file(root: str, rp: str, kind: str, unit: str, lang: str, findings=None) -> FileResult:
    """Read one file of the tree into the rows the index stores for it (pure: safe in a worker process);
    `findings(entry) -> problems`: the one-item checks, run on a ledger file's items (see `load`)."""
    from shishi.store.ledger import read_item_tuples, read_record, read_surveys, read_yaml
    from shishi.store.model import Config, Unit

    if get_lang() != lang:
        set_lang(lang)
    path = f"{root}/{rp}" if kind == "ledger" else Path(root) / rp  # (a ledger file is read as bytes: no Path to make)
    read_ns = time.time_ns()
    try:
        st = os.stat(path, follow_symlinks=False)
        raw = t.read_bytes(path)
    except OSError as e:
        res = FileResult(rp, kind, unit, -1, -1, "", read_ns)
        res.problems.append((0, 0, getattr(e, "strerror", None) or str(e), "error"))
        return res
    res = FileResult(rp, kind, unit, st.st_size, st.st_mtime_ns, hashlib.blake2b(raw, digest_size=16).hexdigest(), read_ns, signature(st))
    problems: list[Problem] = []
    if kind == "ledger":
        try:
            text = decode(raw)
        except YamlError as e:
            problems.append(Problem(rp, e.line, e.col, e.message))
            text = None
        if text is not None:
            items, ps, broken = read_item_tuples(rp, text, _item_record_class().to_tuple, _plain_item())
            problems += ps
            res.rows = _item_rows(rp, unit, items)
            res.rows["broken"] = [(i, rp, line, col) for i, line, col in broken]
            if findings is not None:
                res.rows["findings"] = _findings(rp, unit, text, items, findings)
            res.items = len(items)
        res.found = findings is not None
    elif kind in ("config", "unit"):
        rec, data, ps = read_record(Path(root), path, Config if kind == "config" else Unit, raw)
        problems += ps
        if rec is not None:
            blob = json.dumps(encode_node(data, True), ensure_ascii=False)
            res.rows["record"] = [(rec.model_dump_json(exclude_none=True), blob)]
    elif kind == "survey":
        data, ps = read_yaml(Path(root), path, raw)
        problems += ps
        surveys = read_surveys(rp, data, problems)
        res.rows["surveys"] = [
            (rp, seq, line, s.unit, s.quarter, s.agency, _s(s.date), sum(s.counts.values()), s.model_dump_json(exclude_none=True))
            for seq, (s, _rp, line) in enumerate(surveys)
        ]
        res.rows["survey_counts"] = [(rp, seq, s.unit, s.quarter, lv, n) for seq, (s, _rp, _line) in enumerate(surveys) for lv, n in s.counts.items()]
    res.problems = [(p.line, p.col, p.message, p.severity) for p in problems]
    return res


def _findings(rp: str, unit: str, text: str, items: list[tuple], item_problems) -> list[tuple]:
    """The rows of what the one-item checks find in a ledger file's items: run where the file is read (in a worker,
    on its tuples), stored with it, so that no `check`, cold or warm, runs them again."""
    from shishi.store.ledger import Entry

    record = _item_record_class().from_tuple
    positions = _FilePositions(rp, text)
    found = []
    for line, id_pos, tup in items:
        e = Entry(record(tup), unit, rp, line)
        e._source, e._id_pos = positions, id_pos
        found += item_problems(e)
    return [(rp, p.line, p.col, p.message, p.severity) for p in found]


class _FilePositions:
    """An entry's `data` (its keys' positions) from the text of its file, parsed when first wanted (only a finding needs it)."""

    def __init__(self, rp: str, text: str):
        self.rp, self.text, self.parsed = rp, text, None

    def data(self, entry) -> Map | None:
        if self.parsed is None:
            from shishi.store.ledger import parse_text

            self.parsed = parse_text(self.rp, self.text)[0]
        return _item_node(self.parsed, entry)


def _item_node(data, entry) -> Map | None:
    """The parsed item of a file's data standing at the entry's line with its ID, or None."""
    if isinstance(data, Seq):
        for (line, _col), node in zip(data.pos, data, strict=True):
            if line == entry.line and isinstance(node, Map) and node.get("id") == entry.item.id:
                return node
    return None


_PLAIN: list = []


def _plain_item():
    """(validate an item's data to plain dicts, their tuple): what `read_item_tuples` reads a valid item with."""
    if not _PLAIN:
        from shishi.store.model import Item, plain_validator

        _PLAIN.extend((plain_validator(Item), _item_record_class().plain_tuple))
    return _PLAIN


def _item_rows(rp: str, unit: str, items: list[tuple]) -> dict[str, list]:
    """The rows of one ledger file's items (line, place of the ID or None, tuple in field order: see
    `read_item_tuples`), and its two blobs (marshal, one per file):

    `hot`: per item (line, position of its ID or None when at the line's `- id:`,
    *the HOT_FIELDS in tuple form) — what every load builds; `full`: every item
    as a tuple in field order (ItemRecord.from_tuple) — read when a field
    outside HOT_FIELDS is first wanted. The rows are read off the tuples, whose
    dates and money are already the text the columns hold.
    """
    import marshal

    from shishi.store.dates import closed, judged

    hot_of, row_of, at = _row_getters()
    i_id, i_res, i_ver, i_can, i_sup, i_tg, i_ms, i_ext, i_due, i_status, i_opened = at
    rows, targets, milestones, extensions, hot = [], [], [], [], []
    for seq, (line, id_pos, tup) in enumerate(items):
        hot.append((line, id_pos, *hot_of(tup)))
        res, ver, can, sup = tup[i_res], tup[i_ver], tup[i_can], tup[i_sup]
        # the judged deadline and the day it left its unit's hand (store.dates; ISO dates compare as the dates)
        ext = tup[i_ext]
        gone = closed(tup[i_status], tup[i_opened], res[0] if res else None, can[0] if can else None, res is not None, can is not None)
        # resolution (date, text, beneficiaries, spent, satisfaction), verification (date, by), cancellation (date, …), supervision (level, …)
        rows.append(
            (rp, seq, unit, line, *row_of(tup), *((res[0], res[2], res[3], res[4]) if res else (None, None, None, None)),
             ver[0] if ver else None, can[0] if can else None, sup[0] if sup else None,
             judged(tup[i_due], [(x[1], x[2], x[5], x[6]) for x in ext]) if ext else tup[i_due], gone)  # (no extension: the due date)
        )
        item_id = tup[i_id]
        if tup[i_tg]:
            targets += [(item_id, rp, i, *x, seq) for i, x in enumerate(tup[i_tg])]  # name, unit, planned, actual; the item's place
        if tup[i_ms]:
            milestones += [(item_id, rp, i, *m) for i, m in enumerate(tup[i_ms])]  # name, due, done
        if tup[i_ext]:
            extensions += [(item_id, rp, i, *x[:6], int(x[6])) for i, x in enumerate(tup[i_ext])]  # date, milestone, original, to, reason, approved_by, late
    blobs = (marshal.dumps(hot), marshal.dumps([tup for _line, _pos, tup in items]))
    return {"items": rows, "targets": targets, "milestones": milestones, "extensions": extensions, "hot": blobs}


_GETTERS: tuple | None = None


def _row_getters():
    """(HOT_FIELDS of an item tuple, its plain `items` columns id … escalated_to, the places of the fields read one by one)."""
    global _GETTERS
    if _GETTERS is None:
        from operator import itemgetter

        from shishi.store.model import Cancellation, Extension, Item, Milestone, Resolution, Supervision, Target, Verification

        at = {n: i for i, n in enumerate(Item.model_fields)}
        # the nested tuples are read by place: fail loudly here (not with wrong columns) if a model's field order changes
        assert tuple(Resolution.model_fields)[:5] == ("date", "text", "beneficiaries", "spent", "satisfaction")
        assert tuple(Verification.model_fields)[0] == "date" and tuple(Cancellation.model_fields)[0] == "date"
        assert tuple(Supervision.model_fields)[0] == "level"
        assert tuple(Target.model_fields) == ("name", "unit", "planned", "actual")
        assert tuple(Milestone.model_fields) == ("name", "due", "done")
        assert tuple(Extension.model_fields) == ("date", "milestone", "original", "to", "reason", "approved_by", "late")
        plain = ("id", "kind", "status", "title", "category", "source", "handling", "owner", "opened", "due", "budget", "escalated_from", "escalated_to")
        _GETTERS = (
            itemgetter(*[at[n] for n in HOT_FIELDS]),
            itemgetter(*[at[n] for n in plain]),
            tuple(at[n] for n in ("id", "resolution", "verification", "cancellation", "supervision", "targets", "milestones", "extensions", "due", "status", "opened")),
        )
    return _GETTERS


def _read_many(args: tuple) -> list[FileResult]:
    root, jobs, lang, findings = args
    with _no_gc():
        return [read_file(root, rp, kind, unit, lang, findings) for rp, kind, unit in jobs]


_WORKER_CON: sqlite3.Connection | None = None
WORKER_CACHE_KIB = 16_000


def _read_and_store(args: tuple) -> int:
    """In a worker process: read a chunk of files and store them itself (no results pickled back); returns the bytes read."""
    global _WORKER_CON
    root, _jobs, lang, _findings = args
    if _WORKER_CON is None:
        _WORKER_CON = connect(Path(root))
        # the items' index by ID takes rows all over it (units interleave): with SQLite's default 2 MB of pages,
        # each worker reads them back again and again (~7% of storing). A worker's memory stays below the main process's.
        _WORKER_CON.execute(f"PRAGMA cache_size=-{WORKER_CACHE_KIB}")
    results = _read_many(args)
    with _write(_WORKER_CON), _no_gc():
        _store(_WORKER_CON, results, lang)
    return sum(max(0, r.size) for r in results)


# ------------------------------------------------------------------ the index


class IndexUnavailable(Exception):
    """The index cannot be used here (read-only tree, SQLite trouble): read the files directly."""


def fingerprint() -> str:
    """What the stored rows depend on besides the files: this code, the models, Pydantic (its version file: read, not imported)."""
    import importlib.util

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{SCHEMA_VERSION} {sys.version_info[:2]}".encode())
    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin:
        h.update(Path(spec.origin).with_name("version.py").read_bytes())
    here = Path(__file__).parent
    for name in FINGERPRINTED:
        h.update((here / name).read_bytes())
    return h.hexdigest()


# the modules whose code the rows depend on: the store's, and those of the one-item checks a load may be given (`findings`)
FINGERPRINTED = ("index.py", "fastyaml.py", "ledger.py", "model.py", "yamlio.py", "tree.py", "dates.py", "../checks/rules.py", "../checks/privacy.py")


def db_path(root: Path) -> Path:
    return Path(root) / t.STATE_DIR / DB_NAME


def connect(root: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the tree's index, created or rebuilt as needed; IndexUnavailable when it cannot be."""
    path = db_path(root)
    try:  # SQLite follows links: nothing of the index may point outside the tree
        t.state_dir(root, create=not readonly)
        if any(os.path.islink(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")):
            raise IndexUnavailable(tr(f"{path} 是符号链接，不予使用", f"{path} is a symbolic link; not used"))
    except ShishiError as e:
        raise IndexUnavailable(e.message) from None
    last: Exception | None = None
    for _attempt in range(3):
        con = None
        try:
            if readonly:
                con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None, check_same_thread=False)
                con.execute("PRAGMA query_only=1")
                _check_schema(con, rebuild=False)
                return con
            con = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            if con.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise IndexUnavailable("no WAL journal here")
            con.execute("PRAGMA synchronous=NORMAL")
            _check_schema(con, rebuild=True)
            return con
        except sqlite3.DatabaseError as e:
            last = e
            if con is not None:
                con.close()
            if readonly or isinstance(e, sqlite3.OperationalError):  # locked, read-only, cannot open: leave it be
                break
            drop(root)  # not a database, or damaged: it is only a cache
        except (OSError, IndexUnavailable) as e:
            last = e
            if con is not None:
                con.close()
            break
    raise IndexUnavailable(str(last))


def drop(root: Path) -> None:
    """Delete the index (it is rebuilt on the next read)."""
    path = db_path(root)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _check_schema(con: sqlite3.Connection, rebuild: bool) -> None:
    want = fingerprint()
    if _stored_fingerprint(con) == want:
        return
    if not rebuild:
        raise sqlite3.DatabaseError("index from another version of shishi")
    con.execute("BEGIN IMMEDIATE")
    try:
        if _stored_fingerprint(con) != want:  # another process may have rebuilt it meanwhile
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    con.execute(stmt)
            con.execute("INSERT INTO meta VALUES ('fingerprint', ?), ('schema_version', ?)", (want, str(SCHEMA_VERSION)))
            con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _stored_fingerprint(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return None
        raise
    return row[0] if row else None


@dataclass
class Refresh:
    """What a refresh did: files parsed (by path), files dropped, whether workers were used."""

    parsed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    parallel: bool = False


def _rel(unit: str, name: str) -> str:
    """A file's path relative to the root: what tree.rel gives, without pathlib (thousands of units)."""
    return f"{unit}/{name}" if unit else name


def _tree_files(root: Path, units: dict[str, t.UnitDir], units_only: bool = False) -> list[tuple[str, str, str]]:
    """(relative path, kind, unit) of every file the ledger is read from, in reading order."""
    files = [(t.CONFIG_FILE, "config", "")]
    for path in units:
        files.append((_rel(path, t.UNIT_FILE), "unit", path))
    if units_only:
        return files
    for path, ud in units.items():
        try:
            names = os.listdir(ud.dir)
        except OSError:
            continue
        for name in sorted(n for n in names if t.LEDGER_RE.match(n)):
            files.append((_rel(path, name), "ledger", path))
    for f in t.survey_files(root):
        files.append((t.rel(root, f), "survey", ""))
    return files


def _scan(con: sqlite3.Connection, root: Path):
    """(units, walk problems, files, files present) of the tree: as tree.walk_units and `_tree_files` find them.

    Walking ten thousand unit directories costs more than a stat of each: the
    last walk is kept in the index with the mtime of every directory it looked
    into, and reused while none of them changed (nor was changed so recently
    that its mtime cannot be trusted).
    """
    import marshal

    lang = get_lang()
    row = con.execute("SELECT value FROM meta WHERE key='walk'").fetchone()
    if row is not None:
        try:
            w_lang, read_ns, dirs, units_l, problems_l, files, present = marshal.loads(row[0])
        except (EOFError, ValueError, TypeError):
            w_lang = None
        if w_lang == lang and _dirs_unchanged(root, dirs, read_ns):
            units = {p: _UnitAt(p, root, list(ch), list(tmp)) for p, ch, tmp in units_l}
            return units, [Problem(*p) for p in problems_l], [tuple(f) for f in files], [tuple(f) for f in present]
    read_ns = time.time_ns()
    units, problems = t.walk_units(root)
    files = _tree_files(root, units)
    present = [f for f in files if f[1] != "unit" or os.path.exists(os.path.join(root, f[0]))]
    dirs = _looked_into(root, units)
    blob = marshal.dumps(
        (lang, read_ns, dirs, [(p, u.children, u.temps) for p, u in units.items()], [(p.path, p.line, p.col, p.message, p.severity) for p in problems], files, present)
    )
    with _write(con):
        con.execute("INSERT OR REPLACE INTO meta VALUES ('walk', ?)", (blob,))
    return units, problems, files, present


class _UnitAt(t.UnitDir):
    """A unit of the kept walk, equal to the walk's own: the Path of its directory made when first asked for
    (making ten thousand of them was a tenth of a warm roll-up of a city, which asks for none)."""

    def __init__(self, path: str, root: Path, children: list[str], temps: list[str]):
        self.path, self.children, self.temps, self._root = path, children, temps, root

    @property
    def dir(self) -> Path:
        d = self.__dict__.get("_dir")
        if d is None:
            d = self.__dict__["_dir"] = self._root / self.path if self.path else self._root
        return d

    def __eq__(self, other) -> bool:
        if not isinstance(other, t.UnitDir):
            return NotImplemented
        return (self.path, self.dir, self.children, self.temps) == (other.path, other.dir, other.children, other.temps)

    __hash__ = None  # as the dataclass's


def _looked_into(root: Path, units: dict[str, t.UnitDir]) -> list[tuple[str, int]]:
    """(path, mtime_ns) of every directory whose listing the walk depends on: units, their other subdirectories, surveys/."""
    out = []
    for path, ud in units.items():
        try:
            out.append((path, os.stat(ud.dir).st_mtime_ns))
            with os.scandir(ud.dir) as it:
                for e in it:
                    sub = f"{path}/{e.name}" if path else e.name
                    if sub not in units and not e.name.startswith(".") and e.is_dir(follow_symlinks=False):
                        out.append((sub, e.stat(follow_symlinks=False).st_mtime_ns))
        except OSError:
            out.append((path, -1))
    return out


def _dirs_unchanged(root: Path, dirs: list, read_ns: int) -> bool:
    at = os.fspath(root)
    for path, mtime in dirs:
        try:
            now = os.stat(f"{at}/{path}" if path else at).st_mtime_ns
        except OSError:
            return False
        if now != mtime or now >= read_ns - RACY_NS:
            return False
    return True


# path -> what a file's stat must give, as one text: kind, unit, size, mtime_ns, signature; then \x1e when its
# mtime was too close to the time it was read to be trusted (compare hashes), \x1d when it must be read again in
# :lang (its problems are in another) or, a ledger file, with the one-item checks (:found; it was read without them).
# The covering index files_stat answers it without reading the rows (they hold the blobs), and the pairs make the
# dict in C.
KNOWN_SQL = """SELECT path, coalesce(kind, '') || char(31) || coalesce(unit, '') || char(31) || coalesce(size, '') || char(31)
    || coalesce(mtime_ns, '') || char(31) || coalesce(sig, '')
    || CASE WHEN problems AND lang IS NOT :lang OR :found AND kind = 'ledger' AND NOT found THEN char(29) WHEN mtime_ns >= read_ns - :racy THEN char(30) ELSE '' END
    FROM files"""


def refresh(
    con: sqlite3.Connection, root: Path, files: list[tuple[str, str, str]], parallel: bool | None = None, units_only: bool = False, stored=None,
    findings=None,
) -> Refresh:
    """Bring the index up to date with the files: re-read only those that changed.

    Results are stored batch by batch, each in its own short transaction, so
    memory stays flat and other processes are never kept waiting long. With
    units_only, `files` are the config and unit files only, and only those
    kinds are dropped when gone. `stored(paths)`, when given, is called as the
    workers of a parallel read commit each batch (while they go on with the next). `findings`: see `load`; the
    ledger files read without them are read again.
    """
    lang = get_lang()
    # what a file's stat must match, as one text (kind, unit, size, mtime, signature): the covering index files_stat
    # answers it without reading the rows (they hold the blobs), a Python object less per column and file
    known = dict(con.execute(KNOWN_SQL, {"lang": lang, "racy": RACY_NS, "found": findings is not None}))
    if units_only:
        known = {rp: k for rp, k in known.items() if k.startswith(("config\x1f", "unit\x1f"))}
    stale: list[tuple[str, str, str, int]] = []
    maybe: list[tuple[str, str, str]] = []  # same stat, but too recent to trust: compare hashes
    at = os.fspath(root)
    for rp, kind, unit in files:
        k = known.get(rp)
        try:
            st = os.stat(f"{at}/{rp}", follow_symlinks=False)
        except OSError:
            st = None
        if k is None or st is None:
            stale.append((rp, kind, unit, st.st_size if st else 0))
            continue
        now = f"{kind}\x1f{unit}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1f{signature(st)}"
        if k != now:
            if k == now + "\x1e":
                maybe.append((rp, kind, unit))
            else:
                stale.append((rp, kind, unit, st.st_size))
    touched: list[tuple[int, str]] = []  # unchanged content: only a newer read time
    for rp, kind, unit in maybe:
        (digest,) = con.execute("SELECT hash FROM files WHERE path=?", (rp,)).fetchone()
        try:
            raw = t.read_bytes(root / rp)
        except OSError:
            raw = None
        if raw is None or hashlib.blake2b(raw, digest_size=16).hexdigest() != digest:
            stale.append((rp, kind, unit, len(raw or b"")))
        else:
            touched.append((time.time_ns(), rp))
    present = {rp for rp, _k, _u in files}
    gone = [rp for rp in known if rp not in present]
    out = Refresh(parsed=[rp for rp, _k, _u, _s in stale], dropped=gone)
    if gone or touched:
        with _write(con):
            for rp in gone:
                _delete_file(con, rp)
            con.executemany("UPDATE files SET read_ns=? WHERE path=?", touched)
    for batch, paths in _read_batches(root, stale, (lang, findings), parallel, out):
        if batch:  # (the workers of a parallel read store their own)
            with _write(con), _no_gc():
                _store(con, batch, lang)
        if stored is not None and out.parallel:
            stored(paths)
    return out


class _write:
    """A write transaction taken at once (BEGIN IMMEDIATE), committed or rolled back."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def _read_batches(root: Path, stale: list[tuple[str, str, str, int]], how: tuple, parallel: bool | None, out: Refresh):
    """(FileResults to store, their paths) of the stale files, in order, a batch (~2 MB of text) at a time, read
    `how` = (language, findings); in a parallel read the workers store them, and the batches are empty (the paths those stored)."""
    total = sum(size for *_x, size in stale)
    workers = _workers()
    if parallel is None:
        parallel = total >= PARALLEL_BYTES and workers > 1
    chunks = _chunks(stale, max(64 * 1024, min(2_000_000, total // (4 * workers))))
    bar = _progress(total)
    try:
        if parallel and len(chunks) > 1:
            out.parallel = True
            for chunk, size in zip(chunks, _read_parallel(root, chunks, how), strict=True):
                yield [], [job[0] for job in chunk]
                if bar:
                    bar[0].advance(bar[1], size)
            return
        for chunk in chunks:
            batch = _read_many((str(root), [job[:3] for job in chunk], *how))
            yield batch, [job[0] for job in chunk]
            if bar:
                bar[0].advance(bar[1], sum(max(0, r.size) for r in batch))
    finally:
        if bar:
            bar[0].stop()


def _workers() -> int:
    """Worker processes for a big cold read: $SHISHI_INDEX_WORKERS (1: none), else one per CPU, at most 8."""
    try:
        return max(1, int(os.environ["SHISHI_INDEX_WORKERS"]))
    except (KeyError, ValueError):
        return min(os.cpu_count() or 1, 8)


def _chunks(stale: list[tuple[str, str, str, int]], target: int) -> list[list[tuple[str, str, str, int]]]:
    chunks, cur, acc = [], [], 0
    for job in stale:
        cur.append(job)
        acc += job[3]
        if acc >= target:
            chunks.append(cur)
            cur, acc = [], 0
    if cur:
        chunks.append(cur)
    return chunks


def _read_parallel(root: Path, chunks: list[list[tuple[str, str, str, int]]], how: tuple):
    """Parse and store chunks in worker processes; yields the bytes read by each chunk as it is done."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=max(2, _workers()), mp_context=multiprocessing.get_context(method)) as pool:
        yield from pool.map(_read_and_store, [(str(root), [job[:3] for job in c], *how) for c in chunks])


def _progress(sizes: int):
    """A Rich progress bar on stderr, for long cold reads on a terminal only."""
    if sizes < PROGRESS_BYTES or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    p = Progress(
        TextColumn(tr("读取台账", "reading ledgers")),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    p.start()
    return p, p.add_task("read", total=max(1, sizes))


def _delete_file(con: sqlite3.Connection, rp: str) -> None:
    for table in PER_FILE:
        con.execute(f"DELETE FROM {table} WHERE file=?", (rp,))
    con.execute("DELETE FROM units WHERE file=?", (rp,))
    con.execute("DELETE FROM config WHERE file=?", (rp,))
    con.execute("DELETE FROM files WHERE path=?", (rp,))


def _store(con: sqlite3.Connection, results: list[FileResult], lang: str) -> None:
    """Replace what the index holds for these files with what reading them gave: each table's rows of them all
    in one statement (a statement per file and table was a tenth of a cold read), in the files' order."""
    paths = [res.path for res in results]
    for i in range(0, len(paths), 500):
        part = paths[i : i + 500]
        for (rp,) in con.execute(f"SELECT path FROM files WHERE path IN ({','.join('?' * len(part))})", part).fetchall():
            _delete_file(con, rp)
    files, problems, units, configs, surveys, survey_counts = [], [], [], [], [], []
    rows_of: dict[str, list] = {"items": [], "targets": [], "milestones": [], "extensions": [], "broken": [], "findings": []}
    for res in results:
        rp, rows = res.path, res.rows
        hot, full = rows.get("hot", (None, None))
        said = len(res.problems) + len(rows.get("findings", ()))  # messages in `lang`: read again in another
        files.append((rp, res.kind, res.unit, res.size, res.mtime_ns, res.hash, res.read_ns, lang, said, res.items, res.found, res.sig, hot, full))
        problems += [(rp, *p) for p in res.problems]
        if res.kind == "ledger" and rows:
            for table, got in rows_of.items():
                got += rows.get(table, ())
        elif res.kind == "config" and rows.get("record"):
            configs.append((rp, rows["record"][0][0]))
        elif res.kind == "unit" and rows.get("record"):
            js, blob = rows["record"][0]
            u = json.loads(js)
            parent = res.unit.rpartition("/")[0] if res.unit else None
            depth = 0 if not res.unit else res.unit.count("/") + 1
            units.append((res.unit, rp, u["name"], u["kind"], u["short"], u.get("code"), u.get("clerk"), parent, depth, js, blob))
        elif res.kind == "survey":
            surveys += rows.get("surveys", [])
            survey_counts += rows.get("survey_counts", [])
    con.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", files)
    con.executemany("INSERT INTO problems VALUES (?,?,?,?,?)", problems)
    con.executemany(f"INSERT INTO items VALUES ({','.join('?' * 26)})", rows_of["items"])
    con.executemany("INSERT INTO targets VALUES (?,?,?,?,?,?,?,?)", rows_of["targets"])
    con.executemany("INSERT INTO milestones VALUES (?,?,?,?,?,?)", rows_of["milestones"])
    con.executemany("INSERT INTO extensions VALUES (?,?,?,?,?,?,?,?,?,?)", rows_of["extensions"])
    con.executemany("INSERT INTO broken VALUES (?,?,?,?)", rows_of["broken"])
    con.executemany("INSERT INTO findings VALUES (?,?,?,?,?)", rows_of["findings"])
    con.executemany("INSERT INTO config VALUES (?,?)", configs)
    con.executemany("INSERT INTO units VALUES (?,?,?,?,?,?,?,?,?,?,?)", units)
    con.executemany("INSERT INTO surveys VALUES (?,?,?,?,?,?,?,?,?)", surveys)
    con.executemany("INSERT INTO survey_counts VALUES (?,?,?,?,?,?)", survey_counts)


# ------------------------------------------------------------------ loading a Ledger from the index


class Source:
    """The open index behind a loaded ledger: what its entries read later, and figures by SQL (store.sums), from the same snapshot.

    `files`: the ledger files in reading order (the entries' load order);
    `entries`: the ledger's entries as loaded (figures by SQL stand for exactly those); `rows`: statements' rows kept
    for the snapshot (store.sums.snapshot_rows).
    """

    def __init__(self, con: sqlite3.Connection, root: Path, files: list[str] | None = None):
        self.con, self.root, self.files = con, root, files or []
        self.parsed: dict[str, object] = {}
        self.entries: object = None
        self.rows: dict[str, list] = {}

    def data(self, entry) -> Map | None:
        """An item's parsed YAML, for the positions of its keys: its file is read again (only problems need it)."""
        file = entry.file
        if file not in self.parsed:
            from shishi.store.ledger import parse_text

            try:
                self.parsed[file] = parse_text(file, decode(t.read_bytes(self.root / file)))[0]
            except (OSError, YamlError):
                self.parsed[file] = None
        return _item_node(self.parsed[file], entry)  # None when the file changed since: positions fall back to the item's line


class _FileFill:
    """Completes the records of one file from the items' JSON, all at once, when a field not in `hot` is first read
    (`recs`: the file's records in order, None for an item not made)."""

    __slots__ = ("con", "file", "recs")

    def __init__(self, con: sqlite3.Connection, file: str, recs: list):
        self.con, self.file, self.recs = con, file, recs

    def __call__(self, _rec) -> None:
        import marshal

        fill = _rest_filler()
        (blob,) = self.con.execute("SELECT full FROM files WHERE path=?", (self.file,)).fetchone()
        with _no_gc():
            for r, tup in zip(self.recs, marshal.loads(blob), strict=True):
                if r is not None and r._more is not None:  # None: an item `entries_where` did not make
                    fill(r, tup)


def read_whole(records) -> None:
    """Complete these records of a load now, only these, a file's `full` blob read once for all of them: the other
    records of those files stay light (filled when first read, as always). Anything else (an Item) is left alone."""
    import marshal

    item_record = _item_record_class()
    fill = item_record.fill_tuple
    wanted: dict[int, tuple[_FileFill, set[int]]] = {}
    for r in records:
        if type(r) is item_record and (more := object.__getattribute__(r, "_more")) is not None:
            wanted.setdefault(id(more), (more, set()))[1].add(id(r))
    for more, ids in wanted.values():
        (blob,) = more.con.execute("SELECT full FROM files WHERE path=?", (more.file,)).fetchone()
        with _no_gc():
            for r, tup in zip(more.recs, marshal.loads(blob), strict=True):
                if id(r) in ids and r._more is not None:
                    fill(r, tup)


def entries_where(source: Source, where: str, args: dict | tuple = ()) -> list:
    """The entries of the items of the snapshot `source` whose `items` rows meet the SQL condition `where`, in load
    order, made as a full load makes them (light records, completed a file at a time when first read, or by
    `read_whole`): what a full load's entries are, less the ones the condition leaves out."""
    import marshal

    from shishi.store.ledger import Entry

    con = source.con
    seqs: dict[str, list[int]] = defaultdict(list)
    units: dict[str, str] = {}
    for file, seq, unit in con.execute(f"SELECT file, seq, unit FROM items WHERE {where}", args):  # noqa: S608 - the callers' own conditions
        seqs[file].append(seq)
        units[file] = unit
    make = _hot_maker(Entry)
    out: list = []
    with _no_gc():
        for rp in source.files:  # the load order
            picked = seqs.get(rp)
            if not picked:
                continue
            (blob,) = con.execute("SELECT hot FROM files WHERE path=?", (rp,)).fetchone()
            hot = marshal.loads(blob)
            recs: list = [None] * len(hot)
            fill = _FileFill(con, rp, recs)
            for seq in sorted(picked):
                e = make(hot[seq], fill, units[rp], rp, source)
                recs[seq] = e.item
                out.append(e)
    return out


def read_surveys(ledger) -> None:
    """The surveys of a ledger read through the index without its entries (`load(entries=False)`), from its
    snapshot, as a full load reads them; its entries stay unread."""
    ledger.surveys = _surveys(ledger.index.con)


def _surveys(con: sqlite3.Connection) -> list:
    survey_rec = record_class("SurveyEntry").from_json
    return [(survey_rec(json.loads(js)), rp, line) for js, rp, line in con.execute("SELECT json, file, line FROM surveys ORDER BY file, seq")]


class _LazyData(dict):
    """unit path -> its unit.yaml as parsed (key positions), decoded when first asked for (only problems need it)."""

    def __getitem__(self, key):
        v = dict.__getitem__(self, key)
        if isinstance(v, str):
            v = decode_node(json.loads(v))
            dict.__setitem__(self, key, v)
        return v

    def get(self, key, default=None):
        return self[key] if key in self else default

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]


def load(root: Path, parallel: bool | None = None, entries: bool = True, findings=None):
    """The Ledger of the tree, read through the index (refreshed first); IndexUnavailable when it cannot be.

    entries=False: without its entries and surveys (any use of them raises), for figures by SQL only
    (figures.rollup); problems and broken IDs as with them. `findings(entry) -> problems`: the one-item checks
    (a module's function: a worker process imports it by name), run where each ledger file is read and stored
    with it; their problems are the ledger's `findings` (None when a file of the snapshot was read without them).
    """
    return _load_or_rebuild(Path(root), parallel, units_only=False, entries=entries, findings=findings)


def load_units(root: Path):
    """shishi.yaml and every unit.yaml through the index (ledger files are neither read nor refreshed)."""
    return _load_or_rebuild(Path(root), None, units_only=True)


def stream(root: Path, text=None):
    """The Ledger without its entries (the index refreshed first), and an iterator, from the same snapshot,
    of (unit path, [item data as `item_to_data` gives it …]) per ledger file in reading order:
    one file's items in memory at a time, and no record built. `text` is None or (a function of a str, the
    length below which it leaves a str as it is), applied to every string."""
    return _load_or_rebuild(Path(root), None, units_only=False, streaming=text or True)


def stream_tuples(root: Path):
    """As `stream`, but each file's items as their stored tuples (fields in `Item` order; `item_json` makes the data)."""
    return _load_or_rebuild(Path(root), None, units_only=False, streaming="tuples")



def item_tuple():
    """The function (item) -> its tuple as the index stores it (an Item's or an ItemRecord's fields, in `Item` order)."""
    return _item_record_class().to_tuple


def item_json():
    """The function (t, mk=None, short=0, hit=None, unit=None) -> dict: an item's stored tuple as `item_view` gives it
    (`unit` right after the ID; None: left out), JSON-ready (dates as ISO text, money as numbers); every str of
    `short` or more characters for which hit(str) is true passed through mk."""
    return _item_record_class().json_tuple


def _load_or_rebuild(root: Path, parallel: bool | None, units_only: bool, streaming: bool = False, entries: bool = True, findings=None):
    try:
        return _load(root, parallel, units_only, streaming, entries, findings)
    except _Damaged:
        drop(root)  # found damaged while reading it: rebuilt from the files, once
        try:
            return _load(root, parallel, units_only, streaming, entries, findings)
        except _Damaged as e:
            raise IndexUnavailable(str(e)) from None


class _Damaged(IndexUnavailable):
    """SQLite found the index file damaged (not merely locked or read-only)."""


def _load(root: Path, parallel: bool | None, units_only: bool, streaming: bool = False, entries: bool = True, findings=None):
    from shishi.store.ledger import NOT_READ, Ledger

    con = connect(root)
    try:
        units, walk_problems, files, present = _scan(con, root)
        if units_only:
            files = [f for f in files if f[1] in ("config", "unit")]
            present = [f for f in present if f[1] in ("config", "unit")]
        ledger_files = [f for f in files if f[1] == "ledger"]
        source = Source(con, root, [f[0] for f in ledger_files])
        early = _Early(con, source, ledger_files) if entries and not units_only and not streaming else None
        done = refresh(con, root, present, parallel, units_only, early, findings if entries and not (units_only or streaming) else None)
        if not (entries or units_only or streaming) and sums.file_sums_wanted(con):  # a load for figures by SQL: partial sums of the files read
            with _write(con):
                sums.fill_file_sums(con)
        has_unit_file = {f[2] for f in present if f[1] == "unit"}
        con.execute("BEGIN")  # one snapshot for this load and every lazy read after it
        problems = _file_problems(con)
        ledger_problems: list[Problem] = list(problems.get(t.CONFIG_FILE, []))
        ledger_problems += walk_problems
        row = con.execute("SELECT json FROM config WHERE file=?", (t.CONFIG_FILE,)).fetchone()
        config = record_class("Config").from_json(json.loads(row[0])) if row else None
        ledger = Ledger(root, config, units, problems=ledger_problems, unit_data=_LazyData())
        stored_units = {r[0]: r[1:] for r in con.execute("SELECT path, json, data FROM units")}
        unit_rec = record_class("Unit").from_json
        for path in units:
            rp = _rel(path, t.UNIT_FILE)
            if path not in has_unit_file:
                ledger_problems.append(Problem(rp, 0, 0, tr("缺少 unit.yaml", "unit.yaml is missing")))
                continue
            ledger_problems += problems.get(rp, [])
            rec = stored_units.get(path)
            if rec is not None:
                ledger.records[path] = unit_rec(json.loads(rec[0]))
                dict.__setitem__(ledger.unit_data, path, rec[1])
        ledger.reread = done.parsed
        if units_only:
            con.close()
            return ledger
        if streaming:
            ledger_files = [f for f in files if f[1] == "ledger"]
            broken = defaultdict(list)
            for i, f, line, col in con.execute("SELECT id, file, line, col FROM broken ORDER BY rowid"):
                broken[f].append((i, f, line, col))
            for rp, _kind, _unit in ledger_files:
                ledger.problems += problems.get(rp, [])
                ledger.broken_ids += broken.get(rp, [])
            return ledger, _stream_files(con, ledger_files, None if streaming is True else streaming)
        if entries:
            with _no_gc():
                _load_entries(con, source, ledger, ledger_files, problems, early)
        else:
            _load_broken(con, ledger, ledger_files, problems)
            ledger.entries = ledger.surveys = NOT_READ
        for rp, kind, _unit in files:
            if kind == "survey":
                ledger_problems += problems.get(rp, [])
        if entries:
            ledger.surveys += _surveys(con)
        # another process may have stored a file without them since the refresh: then the caller runs the rules itself
        if entries and findings is not None and not con.execute("SELECT EXISTS (SELECT 1 FROM files WHERE kind = 'ledger' AND NOT found)").fetchone()[0]:
            order = {rp: i for i, (rp, _kind, _unit) in enumerate(ledger_files)}
            rows = sorted(con.execute("SELECT file, line, col, message, severity, rowid FROM findings"), key=lambda r: (order.get(r[0], -1), r[5]))
            ledger.findings = [Problem(*r[:5]) for r in rows if r[0] in order]  # in reading order, as the rules find them
        source.entries = ledger.entries
        ledger.index = source
        return ledger
    except sqlite3.Error as e:
        con.close()
        if isinstance(e, sqlite3.DatabaseError) and not isinstance(e, sqlite3.OperationalError):
            raise _Damaged(str(e)) from e
        raise IndexUnavailable(str(e)) from e


def _stream_files(con: sqlite3.Connection, ledger_files: list[tuple[str, str, str]], text):
    import marshal

    data = _item_record_class().data_tuple
    tuples = text == "tuples"
    text, short = (None, 0) if tuples else text or (None, 0)
    try:
        for rp, _kind, unit in ledger_files:
            row = con.execute("SELECT full FROM files WHERE path=?", (rp,)).fetchone()
            if row and row[0]:
                if tuples:
                    yield unit, marshal.loads(row[0])
                    continue
                with _no_gc():
                    yield unit, [data(tup, text, short) for tup in marshal.loads(row[0])]
    except sqlite3.Error as e:
        raise ShishiError(tr(f"读取索引失败：{e}", f"reading the index failed: {e}")) from e
    finally:
        con.close()


def _file_problems(con: sqlite3.Connection) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = defaultdict(list)
    for f, line, col, msg, sev in con.execute("SELECT file, line, col, message, severity FROM problems ORDER BY rowid"):
        out[f].append(Problem(f, line, col, msg, sev))
    return out


def _load_broken(con: sqlite3.Connection, ledger, ledger_files: list[tuple[str, str, str]], problems) -> None:
    """The ledger files' problems and broken IDs, in reading order (as `_load_entries` adds them)."""
    broken = defaultdict(list)
    for i, f, line, col in con.execute("SELECT id, file, line, col FROM broken ORDER BY rowid"):
        broken[f].append((i, f, line, col))
    for rp, _kind, _unit in ledger_files:
        ledger.problems += problems.get(rp, [])
        ledger.broken_ids += broken.get(rp, [])


def _load_entries(con: sqlite3.Connection, source: Source, ledger, ledger_files: list[tuple[str, str, str]], problems, early: _Early) -> None:
    """The entries of every ledger file, in reading order, from the files' `hot` blobs in this snapshot (those
    `early` built taken as they are while the file's row is still the one they were built from)."""
    built = early.built
    if built:
        now = dict(con.execute("SELECT path, hash FROM files WHERE kind='ledger'"))
        for rp in [rp for rp, (stamp, _es) in built.items() if now.get(rp) != stamp]:
            del built[rp]  # stored again since by another process: built again below, from this snapshot
    if not built:
        hot = dict(con.execute("SELECT path, hot FROM files WHERE kind='ledger'"))
    else:
        hot = {rp: blob for rp, blob, _digest in _file_rows(con, [rp for rp, _kind, _unit in ledger_files if rp not in built])}
    broken = defaultdict(list)
    for i, f, line, col in con.execute("SELECT id, file, line, col FROM broken ORDER BY rowid"):
        broken[f].append((i, f, line, col))
    entries = ledger.entries
    for rp, _kind, unit in ledger_files:
        ledger.problems += problems.get(rp, [])
        ledger.broken_ids += broken.get(rp, [])
        got = built.pop(rp, None)
        if got is not None:
            entries += got[1]
            continue
        blob = hot.pop(rp, None)  # freed as it is used
        if blob:
            entries += early.entries(rp, unit, blob)


class _Early:
    """The entries of ledger files built from their `hot` blobs: as the workers of a parallel refresh store each
    batch (`refresh`'s `stored`: while they parse the next ones, on a core that would idle), or by
    `_load_entries` for the others (a serial read gains nothing by building them early, and would hold them
    with the batch it reads).

    Built early, a file's entries keep the content hash of the row they came from (its blobs are made from the
    content alone): `_load_entries` builds them again should another process store other content for the file
    before the load's snapshot."""

    def __init__(self, con: sqlite3.Connection, source: Source, ledger_files: list[tuple[str, str, str]]):
        from shishi.store.ledger import Entry

        self.con, self.source = con, source
        self.unit = {rp: unit for rp, _kind, unit in ledger_files}
        self.make = _hot_maker(Entry)
        self.built: dict[str, tuple[str, list]] = {}

    def entries(self, rp: str, unit: str, blob: bytes) -> list:
        import marshal

        recs: list = []
        fill = _FileFill(self.con, rp, recs)
        make, source = self.make, self.source
        file_entries = [make(h, fill, unit, rp, source) for h in marshal.loads(blob)]
        recs += [e.item for e in file_entries]
        return file_entries

    def __call__(self, paths: list[str]) -> None:
        with _no_gc():
            for rp, blob, digest in _file_rows(self.con, [rp for rp in paths if rp in self.unit]):
                if blob:
                    self.built[rp] = (digest, self.entries(rp, self.unit[rp], blob))


def _file_rows(con: sqlite3.Connection, paths: list[str]):
    """(path, hot blob, hash) of these ledger files, in no particular order, as they are read."""
    for i in range(0, len(paths), 500):
        part = paths[i : i + 500]
        yield from con.execute(f"SELECT path, hot, hash FROM files WHERE kind='ledger' AND path IN ({','.join('?' * len(part))})", part)


_REST: list = []


def _rest_filler():
    """fill(record, full tuple): the fields outside HOT_FIELDS of a record `_hot_maker` made (those it has are
    the same values, from the same tuple: not built twice). Generated like `record_class`'s functions."""
    if not _REST:
        cls = _item_record_class()
        kinds = dict(shape("Item"))
        env = _env(cls)
        src = ["def fill(o, t):"]
        for i, n in enumerate(cls.fields):
            if n not in HOT_FIELDS:
                src += [f"    v = t[{i}]", f"    {_assign(n, kinds[n], 'tuple', env)}"]
        src += ["    o._more = None"]
        exec("\n".join(src), env)  # noqa: S102 - generated from the model's field names only
        _REST.append(env["fill"])
    return _REST[0]


def _hot_maker(entry_cls):
    """make(hot tuple, filler, unit, file, source) -> an Entry of a partly loaded ItemRecord (see `_item_rows`).

    Generated like `record_class`'s functions; the Entry is built here too: a
    call less for each of hundreds of thousands of items.
    """
    cls = _item_record_class()
    kinds = dict(shape("Item"))
    env = _env(cls)
    env["Entry"] = entry_cls
    src = ["def make(h, fill, unit, file, source):", "    o = new(cls)"]
    for i, n in enumerate(HOT_FIELDS, start=2):
        src += [f"    v = h[{i}]", f"    {_assign(n, kinds[n], 'tuple', env)}"]
    src += ["    o._more = fill", "    e = new(Entry)", "    e.item, e.unit, e.file, e.line, e._data, e._source, e._id_pos = o, unit, file, h[0], None, source, h[1]", "    return e"]
    exec("\n".join(src), env)  # noqa: S102 - generated from the model's field names only
    return env["make"]


# ------------------------------------------------------------------ shishi query


_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_PRAGMAS_READ = {"table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list", "user_version", "schema_version", "compile_options"}


def query(root: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one read-only SQL statement over the index (refreshed first).

    The connection is opened read-only (`mode=ro`, `PRAGMA query_only`) and an
    authorizer refuses anything but reading, so a query can never change the index.
    """
    cols, rows = query_rows(root, sql)
    return cols, list(rows)


def query_rows(root: Path, sql: str):
    """`query`'s column names and an iterator of its rows, fetched as they are read (the connection closed after the last)."""
    root = Path(root)
    try:
        con = connect(root)
        try:
            refresh(con, root, _scan(con, root)[3])
        finally:
            con.close()
        ro = connect(root, readonly=True)
    except IndexUnavailable as e:
        raise ShishiError(tr(f"无法打开索引 {db_path(root)}：{e}", f"cannot open the index {db_path(root)}: {e}")) from None
    refused: list[str] = []

    def authorize(action, arg1, arg2, _db, _trigger):
        if action in _READ_ACTIONS or action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _PRAGMAS_READ and arg2 is None:
            return sqlite3.SQLITE_OK
        refused.append(arg1 or "")
        return sqlite3.SQLITE_DENY

    ro.set_authorizer(authorize)

    def failed(e: Exception) -> ShishiError:
        if isinstance(e, (sqlite3.Warning, sqlite3.ProgrammingError)):
            if "one statement" not in str(e):
                return ShishiError(tr(f"SQL 错误：{e}", f"SQL error: {e}"))
            return ShishiError(tr("一次只能执行一条 SQL 语句", "one SQL statement at a time"))
        if refused or "readonly" in str(e) or "not authorized" in str(e):
            return ShishiError(
                tr(
                    "shishi query 只读：只能用 SELECT 查询，不能修改索引（台账请用 shishi 的写入命令修改）",
                    "shishi query is read-only: SELECT only, the index cannot be changed (change ledgers with shishi's write commands)",
                )
            )
        return ShishiError(tr(f"SQL 错误：{e}", f"SQL error: {e}"))

    try:
        cur = ro.execute(sql)
    except (sqlite3.Error, sqlite3.Warning) as e:
        ro.close()
        raise failed(e) from None

    def rows():
        try:
            while batch := cur.fetchmany(1000):
                yield from batch
        except (sqlite3.Error, sqlite3.Warning) as e:
            raise failed(e) from None
        finally:
            ro.close()

    return [d[0] for d in cur.description or ()], rows()
