"""Partial ISO dates (``2018``, ``2018-04``, ``2018-04-19``) as closed periods."""

from __future__ import annotations

import calendar
import datetime as dt
import re

PARTIAL_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def period(text: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day a partial ISO date covers.

    Raises ``ValueError`` for anything that is not a real partial ISO date.

    Examples
    --------
    >>> period("2018-02")
    (datetime.date(2018, 2, 1), datetime.date(2018, 2, 28))
    >>> period("2019")[1]
    datetime.date(2019, 12, 31)
    """
    if not PARTIAL_ISO.fullmatch(text):
        raise ValueError(f"{text!r} is not a date like 2018, 2018-04 or 2018-04-19")
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)  # raises ValueError for 2018-02-30
        return day, day
    if len(parts) == 2:
        year, month = parts
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month}")
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def is_valid(text: str) -> bool:
    try:
        period(text)
    except ValueError:
        return False
    return True
