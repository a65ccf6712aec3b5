"""Check that every quote in a dataset appears in the stored text of its document.

A row's ``quote`` is only as good as its match with the document it cites:
``sources.csv`` names the stored copy of each document in its ``document``
column, and :func:`check_quotes` looks every quote up in that copy (edges,
jurisdictions and designations alike).  Copies of one text differ in line
wrapping and in typographic quotes and dashes, so those are normalised away
(:func:`normalise`); nothing else is forgiven.  A quote that is not found is
reported with the passage of the document that comes nearest to it, so the
analyst can see at once whether a word was dropped or the wrong document cited.

``flowmap validate --documents DIR`` runs this check; the test suite runs it
on the shipped dataset against ``../shared/sources/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from .errors import DataError, Problem

#: The tables whose rows carry a ``citation`` and a ``quote``.
QUOTED_TABLES: tuple[str, ...] = ("edges", "jurisdictions", "designations")

# Typographic quotes and dashes vary between copies of the same text, and
# whitespace varies with line wrapping.  Nothing else is forgiven.
TYPOGRAPHY = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "′": "'",
    "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-",
    "\u00a0": " ",
})

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """``text`` with typographic quotes and dashes made plain and whitespace collapsed.

    Examples
    --------
    >>> normalise("“Still  watching\\n him”—ICE’s")
    '"Still watching him"-ICE\\'s'
    """
    return _SPACE.sub(" ", text.translate(TYPOGRAPHY)).strip()


@dataclass(frozen=True)
class Nearest:
    """The passage of a document nearest to a quote that is not in it."""

    passage: str
    score: float  # 0-100: how alike the quote and the passage are (rapidfuzz's partial ratio)


def nearest_passage(quote: str, text: str) -> Nearest:
    """The passage of ``text`` most like ``quote``, in whole words.

    Both arguments should already be normalised.  rapidfuzz's
    ``partial_ratio_alignment`` finds the window of ``text``, as long as the
    quote, that matches it best; a passage that dropped or added words is
    longer or shorter than that, so the ends are then moved, word by word, up
    to a quarter of the quote's length either way, to the passage most like
    the quote as a whole (``fuzz.ratio``).

    Examples
    --------
    >>> nearest_passage("ICE asked for photos", "Later, ICE asked for the photos twice.").passage
    'ICE asked for the photos'
    """
    if not quote or not text:
        return Nearest("", 0.0)
    alignment = fuzz.partial_ratio_alignment(quote, text)
    reach = max(10, len(quote) // 4)
    lo, hi = max(0, alignment.dest_start - reach), min(len(text), alignment.dest_end + reach)
    # Word starts and ends within reach of the window's two ends.
    starts = [i for i in range(lo, alignment.dest_start + reach) if i < len(text) and not text[i].isspace()
              and (i == 0 or text[i - 1].isspace())]
    ends = [i for i in range(max(alignment.dest_end - reach, 1), hi + 1) if not text[i - 1].isspace()
            and (i == len(text) or text[i].isspace())]
    best = (-1.0, alignment.dest_start, alignment.dest_end)
    for start in starts:
        for end in ends:
            if end > start:
                score = fuzz.ratio(quote, text[start:end])
                if score > best[0]:
                    best = (score, start, end)
    if best[0] < 0:  # no word boundary within reach: one long run of characters
        best = (fuzz.ratio(quote, text[best[1]:best[2]]), best[1], best[2])
    score, start, end = best
    return Nearest(text[start:end], round(score, 1))


def check_quotes(data, documents_dir: str | Path) -> list[Problem]:
    """Every quote of ``data`` that its document's stored text does not contain.

    Parameters
    ----------
    data : flowmap.load.Tables or flowmap.model.Model
        The dataset: its ``sources`` table names each document, and its
        ``edges``, ``jurisdictions`` and ``designations`` tables hold the quotes.
        Problems name each row's file and spreadsheet row: from ``origins``
        when the tables were loaded from several layers, otherwise from the
        dataset's directory and the row's position.
    documents_dir : str or Path
        The directory holding the stored documents that ``sources.csv``'s
        ``document`` column names.

    Returns
    -------
    list of Problem
        One per quote not found, on its row's file and row, column ``quote``,
        with the nearest passage the document does hold and how alike the two
        are; and one per document that is missing, unreadable, not UTF-8 or
        outside ``documents_dir``, on the ``sources.csv`` row that names it,
        with the number of quotes left unchecked.  Empty when every quote is
        found.  Rows whose source names no document are not checked.

    Raises
    ------
    DataError
        When ``documents_dir`` is not a directory.
    """
    root = Path(documents_dir)
    if not root.is_dir():
        raise DataError([Problem(str(root), None, None, None,
                                 "is not a directory (--documents names the folder of stored source texts)")])
    origins = getattr(data, "origins", None) or {}
    directory = getattr(data, "directory", None)

    def where(table: str, position: int) -> tuple[str, int]:
        """The file and spreadsheet row of a table's row, from the layers' origins when known."""
        if table in origins:
            return origins[table].at(position)
        name = str(Path(directory) / f"{table}.csv") if directory is not None else f"{table}.csv"
        return name, position + 2

    sources = data.sources
    documents = {source: document for source, document in zip(sources["id"].tolist(), sources["document"].tolist())
                 if document}
    texts: dict[str, _Text | str] = {}  # document -> its text, or why it cannot be read
    unchecked: dict[str, int] = {}  # unreadable document -> quotes citing it
    problems: list[Problem] = []
    for table in QUOTED_TABLES:
        frame = getattr(data, table, None)
        if frame is None or frame.empty or "quote" not in frame.columns:
            continue
        rows = zip(frame["id"].tolist(), frame["citation"].tolist(), frame["quote"].tolist())
        for position, (row_id, citation, quote) in enumerate(rows):
            if not quote or citation not in documents:
                continue
            document = documents[citation]
            if document not in texts:
                texts[document] = _read_document(root, document)
            text = texts[document]
            if isinstance(text, str):
                unchecked[document] = unchecked.get(document, 0) + 1
                continue
            wanted = normalise(quote)
            if wanted in text.lines or wanted in text.whole:
                continue
            near = nearest_passage(wanted, text.whole)
            file, row = where(table, position)
            problems.append(Problem(
                file, row, "quote", None,
                f"{row_id}: quote not found in {document}: {quote!r}; the nearest passage there "
                f"({near.score:g}% alike) is {near.passage!r}"))
    # An unreadable document is one problem, on the sources row that names it, not one per quote.
    for position, (source, document) in enumerate(zip(sources["id"].tolist(), sources["document"].tolist())):
        if document in unchecked and documents.get(source) == document:
            count = unchecked.pop(document)
            file, row = where("sources", position)
            problems.append(Problem(file, row, "document", document,
                                    f"{texts[document]}; {count} quote{'s' if count != 1 else ''} citing "
                                    f"{source} could not be checked"))
    return problems


@dataclass(frozen=True)
class _Text:
    """A document's normalised text, whole and as a set of normalised lines.

    The line set answers in constant time for a quote that is a whole line
    (an imported record's row is one line of its input file), which a
    substring search of a large file would answer in time proportional to it.
    """

    whole: str
    lines: frozenset[str]


def _read_document(root: Path, document: str) -> _Text | str:
    """The normalised text of ``root/document``, or why it cannot be read."""
    path = root / document
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if not inside:
        return f"names a file outside {root}"
    if not path.is_file():
        return f"is not in {root}"
    if path.suffix.lower() == ".xlsx":
        # A 287(g) workbook: its quotes are its rows, rebuilt as the importer writes them.
        from .errors import InputError
        from .importers.ice287g import workbook_text

        try:
            raw = workbook_text(path)
        except InputError as exc:
            return "; ".join(p.message for p in exc.problems)
        return _Text(normalise(raw), frozenset(normalise(line) for line in raw.splitlines()))
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return f"is not UTF-8 text (bad byte at offset {exc.start})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    return _Text(normalise(raw), frozenset(normalise(line) for line in raw.splitlines()))
