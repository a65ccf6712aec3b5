"""JSON and CSV output that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

# A cell starting with one of these is run as a formula by Excel, LibreOffice
# and Google Sheets (CSV injection); prefixing an apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> object:
    """Make a CSV cell inert: strings that a spreadsheet would evaluate get a
    leading apostrophe.  Numbers and booleans are left alone.

    >>> safe_cell('=HYPERLINK("http://evil")')
    '\\'=HYPERLINK("http://evil")'
    >>> safe_cell("NCRIC"), safe_cell(3)
    ('NCRIC', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict], columns: list[str]) -> str:
    """CSV text with a header; list values are joined with ';'."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(";".join(v) if isinstance(v, list) else v) for k, v in row.items()})
    return buffer.getvalue()


def to_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
