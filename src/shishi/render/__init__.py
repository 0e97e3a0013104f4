"""render: the only place that turns documents into terminal text, paper text,
Markdown, HTML, xlsx, CSV and JSON.

It alone knows Rich, tabulate and openpyxl's writing side (`report`: the
report and roll-up; `items`: show, list, unit tree; `export`: spreadsheets
and Open311 out; `json`). It imports `figures` and the stages below.
"""
