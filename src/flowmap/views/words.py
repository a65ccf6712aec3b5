"""Plain words for the data's vocabulary, shared by every view.

The data uses compact identifiers (``licence_plate_reads``, ``reported``);
readers of a verdict, a table or a diagram need words.  Keeping them in one
place keeps the terminal, the JSON, the notebook and the diagrams saying the
same thing.
"""

from __future__ import annotations

import re

from .. import schema

#: Said after a designation wherever one is shown: a government's label for a place is not a law.
NOT_A_LAW = "(a designation, not a law)"

DATA_LABELS: dict[str, str] = {
    "licence_plate_reads": "licence-plate reads",
    "dmv_photos": "DMV photos",
    "identity_address_records": "identity & address records",
    "unspecified": "unspecified data",
}

#: What each evidence level means, in a phrase that can follow "the weakest hop is".
EVIDENCE_MEANING: dict[str, str] = {
    "documented": "documented (a primary record shows it)",
    "reported": "reported (a source says it happens; no primary record shows it)",
    "capability": "a capability (access exists; its use is not shown)",
}

#: How the ``--min-evidence`` filter reads in a sentence.
EVIDENCE_FILTER: dict[str, str] = {
    "documented": "on documented evidence only",
    "reported": "on documented or reported evidence only",
    "capability": "at any evidence level",
}


def clean(text: str) -> str:
    """One line of text: newlines and tabs in data must not fake extra rows."""
    return re.sub(r"\s+", " ", text).strip()


def data_label(category: str) -> str:
    """A data category as a reader would say it.

    >>> data_label("dmv_photos"), data_label("social_media")
    ('DMV photos', 'social media')
    """
    return DATA_LABELS.get(category, category.replace("_", " "))


def join_or(items: list[str], word: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``.

    >>> join_or(["SFPD"]), join_or(["a", "b", "c"]), join_or(["a", "b"], "and")
    ('SFPD', 'a, b or c', 'a and b')
    """
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def evidence_rank(level: str) -> int:
    """0 for the strongest level (documented)."""
    return schema.EVIDENCE_LEVELS.index(level)
