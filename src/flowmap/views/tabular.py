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
    """``value`` as indented JSON (UTF-8 text, not ASCII-escaped), ending in a newline.

    Written by orjson where it is installed: the standard library's encoder
    runs in pure Python when it indents, and spends seconds on a sweep of
    thousands of routes.  The text is the standard library's byte for byte,
    but for the exponent of very large or small floats (``1.5e-7`` for
    ``1.5e-07``), the same number either way; values orjson cannot write go
    to the standard library.
    """
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency; flowmap works without it
        orjson = None
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
