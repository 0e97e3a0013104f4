"""store: the ledger tree on disk and everything read from it.

YAML in and out (`yamlio`: safe reading over libyaml events, item blocks,
atomic writes; `fastyaml`: the line reader), the tree walk (`tree`), the
Pydantic records (`model`), whole-tree reading with located problems
(`ledger`), the SQLite index under `.shishi/` with its light records
(`index`), `load` (through the index, else the files) and `query`. It imports
only the base modules (`errors`, `i18n`, `values`), never a stage above it.
"""
