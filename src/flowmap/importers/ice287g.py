"""``flowmap import 287g``: ICE's 287(g) workbooks as a layer, one edge per agreement.

ICE publishes two Excel workbooks on its 287(g) page: the law enforcement
agencies that have signed a 287(g) memorandum of agreement (MOA) and those
whose agreements are pending. This module reads the ``.xlsx`` itself, as a user
downloads it, and turns every agreement into an edge *agency → ICE*:

- evidence ``capability``, mechanism ``formal_agreement``, data ``unspecified``:
  an agreement is a formal channel, not a record that data moved; the notes say
  what the row shows (the support type, the signature date, the MOA) and what it
  does not (which data, whether any moved);
- ``date`` is the SIGNED cell; ``url`` the MOA hyperlink (unwrapped when a mail
  filter's redirect wraps it; only http(s) addresses are kept);
- ``quote`` is the row itself: its cells from STATE to the last non-empty one,
  as :func:`cell_text` writes them, joined by ``" | "`` (:func:`row_text`), so
  a check can rebuild it from the workbook; ``locator`` is ``sheet NAME row N``;
- pending rows (ICE's pending list) only with ``pending=True``, marked as not
  signed (no date, ``not signed`` in the notes).

Agreement ids are ``287g-<node id>-<support type>`` (``287g-fl0500000-tfm``), the
node being the agency the name resolves to, so an agreement keeps its id from
one workbook to the next (when ICE's spelling changes, the registry resolves
both spellings to one ORI), and ``flowmap diff`` between two layers shows what
changed. Each agency resolves through :class:`~flowmap.importers.resolve.Resolver`
(curated nodes, the FBI registry, ``--links``); one that does not becomes a
layer-local node with its state and county, so state and county jurisdictions
(and DOJ's designations) cover it.

Why not openpyxl's read-only mode throughout: its cells carry no hyperlinks, and
the MOA link is the point of the MOA column. The reader opens a workbook
read-only to find the sheet and header, then, only when the sheet has an MOA or
ADDENDUM column, opens it fully, after checking the sizes the workbook's zip
declares against a cap (a small file can unpack to gigabytes).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import urllib.parse
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..errors import InputError, Problem
from . import layer as layers
from .common import Agencies, Carried, local_id, slug
from .fetch import Fetched
from .resolve import Match, state_code

#: Columns every 287(g) sheet has; the participating list adds SIGNED and MOA (and ADDENDUM since July 2025).
BASE_COLUMNS = ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE")
SIGNED_COLUMNS = ("SIGNED", "MOA")
LINK_COLUMNS = ("MOA", "ADDENDUM")

#: The largest total a workbook's parts may unpack to (bytes). ICE's July 2025
#: workbook unpacks to under 2 MiB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

#: Support types ICE lists, and the short codes agreement ids use.
SUPPORT_CODES = {
    "jail enforcement model": "jem",
    "task force model": "tfm",
    "warrant service officer": "wso",
}

#: Cells ICE writes where there is no county (municipal and state agencies).
NO_VALUE = frozenset({"", "#N/A", "#NA", "N/A", "NA"})

PUBLISHER = "US Immigration and Customs Enforcement"
PAGE_URL = "https://www.ice.gov/identify-and-arrest/287g"
TARGET = "ice"

#: Called as ``progress(rows_done, rows_total)``.
Progress = Callable[[int, int], None]


# -- reading a workbook --------------------------------------------------------

def cell_text(value) -> str:
    """A cell as the quote writes it: text verbatim, a date as ``YYYY-MM-DD``, a number plainly.

    >>> cell_text(dt.datetime(2025, 5, 8)), cell_text("link "), cell_text(None), cell_text(3.0)
    ('2025-05-08', 'link ', '', '3')
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_text(values: Sequence) -> str:
    """The quote for a row: its cells up to the last non-empty one, joined by ``" | "``.

    >>> row_text(["TEXAS", "Harris County Sheriff's Office", "County", "Harris County",
    ...           "Jail Enforcement Model", dt.datetime(2025, 2, 20), "link", None])
    "TEXAS | Harris County Sheriff's Office | County | Harris County | Jail Enforcement Model | 2025-02-20 | link"
    """
    texts = [cell_text(v) for v in values]
    while texts and not texts[-1].strip():
        texts.pop()
    return " | ".join(texts)


_SIGNED_TEXT = re.compile(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/?\s*(\d{4})\s*")


def parse_signed(value) -> tuple[str, str]:
    """The SIGNED cell as an ISO date, and a note when it had to be read from text.

    ICE's cells are dates; a few are text with a slash missing (``05/082025``,
    ``7/72025``), read as month/day/year.

    >>> parse_signed(dt.datetime(2025, 4, 16))
    ('2025-04-16', '')
    >>> parse_signed("7/72025")
    ('2025-07-07', "SIGNED is the text '7/72025', read as month/day/year: 2025-07-07")
    >>> parse_signed(None)
    ('', '')
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), ""
    if isinstance(value, dt.date):
        return value.isoformat(), ""
    found = _SIGNED_TEXT.fullmatch(str(value))
    if found:
        month, day, year = (int(g) for g in found.groups())
        try:
            iso = dt.date(year, month, day).isoformat()
        except ValueError:
            raise ValueError(f"is not a date (read as month {month}, day {day}, year {year})") from None
        return iso, f"SIGNED is the text {str(value)!r}, read as month/day/year: {iso}"
    raise ValueError("is not a date (expected a date cell or text like 05/08/2025)")


_SAFE_URL_CHARS = ":/?#[]@!$&()*+,;=%~-._"


def unwrap_url(target: str | None) -> tuple[str, str]:
    """The address a hyperlink leads to, without a mail filter's redirect; and a note.

    Outlook's Safe Links wrap an address as
    ``https://…safelinks.protection.outlook.com/?url=<address, escaped>&data=…``:
    the real address is the ``url`` parameter. Only http(s) addresses are kept.

    >>> unwrap_url("https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fa.pdf&data=05")
    ('https://www.ice.gov/a.pdf', 'unwrapped from a safelinks.protection.outlook.com redirect')
    >>> unwrap_url("https://www.ice.gov/b.pdf")
    ('https://www.ice.gov/b.pdf', '')
    >>> unwrap_url("mailto:someone@ice.dhs.gov")
    ('', "hyperlink 'mailto:someone@ice.dhs.gov' is not an http(s) address: left out")
    """
    if not target or not target.strip():
        return "", ""
    url = target.strip()
    notes = []
    for _ in range(3):  # a redirect inside a redirect, at most
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host.endswith("safelinks.protection.outlook.com"):
            break
        inner = urllib.parse.parse_qs(parts.query).get("url")
        if not inner:
            break
        notes.append(f"unwrapped from a {'.'.join(host.split('.')[-4:])} redirect")
        url = inner[0].strip()
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        return "", f"hyperlink {url!r} is not an http(s) address: left out"
    # Spaces and quotes are not allowed in a URL cell (load.URL_PATTERN); escape them.
    return urllib.parse.quote(url, safe=_SAFE_URL_CHARS), "; ".join(dict.fromkeys(notes))


@dataclass(frozen=True)
class SheetRow:
    """One non-empty data row of a 287(g) sheet."""

    number: int  # as the spreadsheet shows it (header = 1)
    values: dict  # column name -> cell value, for the named columns
    text: str  # the quote: row_text of the named columns
    links: dict  # column name -> hyperlink target, for MOA and ADDENDUM


@dataclass
class Sheet:
    """The rows of the sheet a 287(g) list is on."""

    file: str  # as named in messages (the URL for a download)
    title: str  # the sheet's name
    header: list[str]
    rows: list[SheetRow]
    blank_rows: int = 0
    modified: dt.datetime | None = None  # the workbook's last-modified date (its document properties)

    @property
    def pending(self) -> bool:
        """ICE's pending list has neither a SIGNED nor an MOA column: its rows are not agreements yet."""
        return not any(c in self.header for c in SIGNED_COLUMNS)

    def locate(self, number: int) -> str:
        return f"sheet {self.title} row {number}"


def _problem(file: str, message: str, row: int | None = None, column: str | None = None,
             value: str | None = None) -> InputError:
    return InputError([Problem(file, row, column, value, message)])


def check_zip(path: str | os.PathLike, name: str, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a file that is not an .xlsx package, or that unpacks to more than ``max_unpacked`` bytes.

    The sizes checked are the ones the zip declares; openpyxl then reads the
    parts, and a part that inflates beyond its declared size fails there
    (Python's zipfile checks it), which :func:`read_workbook` reports as corrupt.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except zipfile.BadZipFile:
        raise _problem(name, "is not an Excel .xlsx workbook (not a zip package); "
                             "save it as .xlsx (an old .xls or a CSV will not do)") from None
    except OSError as exc:
        raise _problem(name, f"cannot be read: {exc.strerror or exc}") from None
    if "xl/workbook.xml" not in names:
        raise _problem(name, "is a zip file but not an Excel .xlsx workbook (no xl/workbook.xml)")
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked:
        raise _problem(name, f"is an oversized workbook: it unpacks to {unpacked:,} bytes, "
                             f"over the {max_unpacked:,}-byte limit")


def _open(path: Path, name: str, read_only: bool):
    import openpyxl

    try:
        # A file object, not a path: openpyxl refuses a path without an .xlsx suffix, and a
        # download may have none (the cache names files after the URL). data_only: a formula
        # cell's last computed value, which is what ICE's readers see.
        return openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl raises many types (KeyError, ValueError, XML errors) for one cause
        raise _problem(name, f"is a corrupt or unreadable workbook: {type(exc).__name__}: {exc}") from None


def _header(values: Iterable) -> list[str]:
    header = [" ".join(str(v).split()).upper() if v is not None else "" for v in values]
    while header and not header[-1]:
        header.pop()
    return header


def _find_sheet(workbook, name: str, sheet: str | None):
    """The worksheet holding the list (``sheet`` if given), its header and header row number."""
    sheets = workbook.sheetnames
    if sheet is not None:
        if sheet not in sheets:
            raise _problem(name, f"has no sheet {sheet!r}; its sheets are: {', '.join(sheets)}")
        candidates = [sheet]
    else:
        candidates = sheets
    seen = []
    for title in candidates:
        worksheet = workbook[title]
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet
            continue
        first = None
        # The header may sit under a title row or two: look through the first ten rows.
        for number, values in enumerate(worksheet.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
            header = _header(values)
            if not any(header):
                continue
            if all(c in header for c in BASE_COLUMNS):
                return title, header, number
            first = first or (title, number, header)
        if first:
            seen.append(first)
    if not seen:
        where = f"sheet {sheet!r}" if sheet else "every sheet"
        raise _problem(name, f"is empty: {where} has no rows", row=None)
    title, number, header = seen[0]
    missing = [c for c in BASE_COLUMNS if c not in header]
    detail = f"sheet {title!r} row {number} has {', '.join(h for h in header if h) or 'no names'}"
    raise InputError([Problem(f"{name} [sheet {title}]", number, column, None,
                              f"required column is missing: this is not ICE's 287(g) list ({detail})")
                      for column in missing])


def read_workbook(path: str | os.PathLike, *, name: str | None = None, sheet: str | None = None,
                  max_unpacked: int = MAX_UNPACKED_BYTES) -> Sheet:
    """Read the 287(g) list from an .xlsx workbook.

    Parameters
    ----------
    path
        The workbook.
    name
        What to call it in messages (default: the path).
    sheet
        The sheet's name; default: the first sheet whose header (in its first
        ten rows) has the 287(g) columns.
    max_unpacked
        See :func:`check_zip`.

    Raises
    ------
    InputError
        Not a workbook, corrupt, oversized, empty, no such sheet, a missing column.
    """
    path = Path(path)
    name = name or str(path)
    check_zip(path, name, max_unpacked)
    workbook = _open(path, name, read_only=True)
    try:
        title, header, header_row = _find_sheet(workbook, name, sheet)
        modified = workbook.properties.modified
    finally:
        workbook.close()
    # One of SIGNED and MOA without the other is a renamed or missing column, not the pending list.
    present = [c for c in SIGNED_COLUMNS if c in header]
    if len(present) == 1:
        (missing,) = set(SIGNED_COLUMNS) - set(present)
        raise InputError([Problem(f"{name} [sheet {title}]", header_row, missing, None,
                                  f"required column is missing: the sheet has {present[0]} but not {missing}")])
    links_wanted = any(c in header for c in LINK_COLUMNS)
    if links_wanted:
        workbook = _open(path, name, read_only=False)
    else:
        workbook = _open(path, name, read_only=True)
    try:
        worksheet = workbook[title]
        named = [(i, h) for i, h in enumerate(header) if h]
        link_index = {i: h for i, h in named if h in LINK_COLUMNS}
        rows: list[SheetRow] = []
        blank = 0  # empty rows between data rows (empty rows after the last one are formatting)
        pending_blank = 0
        # Rows are numbered by position: read-only mode gives empty cells no row number.
        for number, cells in enumerate(worksheet.iter_rows(min_row=header_row + 1), start=header_row + 1):
            values = [c.value for c in cells]
            if not any(v is not None and str(v).strip() for v in values):
                pending_blank += 1
                continue
            blank += pending_blank if rows else 0
            pending_blank = 0
            padded = values + [None] * (len(header) - len(values))
            links = {}
            for i, column in link_index.items():
                if i < len(cells) and getattr(cells[i], "hyperlink", None) is not None:
                    links[column] = cells[i].hyperlink.target or ""
            rows.append(SheetRow(number, {h: padded[i] for i, h in named},
                                 row_text([padded[i] for i, _ in named]), links))
    except InputError:
        raise
    except Exception as exc:  # a part that fails to inflate or parse midway
        raise _problem(name, f"is a corrupt workbook (sheet {title!r}): {type(exc).__name__}: {exc}") from None
    finally:
        workbook.close()
    if not rows:
        raise _problem(f"{name} [sheet {title}]", "has a header but no agreements", row=header_row)
    return Sheet(name, title, header, rows, blank, modified)


def workbook_text(path: str | os.PathLike) -> str:
    """A 287(g) workbook as text: each row of its list as its quote (:func:`row_text`), one per line.

    ``flowmap validate --documents DIR`` reads an ``.xlsx`` document this way,
    so every quote of a 287(g) layer is checked against the workbook it cites.
    """
    return "\n".join(row.text for row in read_workbook(path).rows)


# -- rows to agreements --------------------------------------------------------

def _clean(value) -> str:
    return " ".join(cell_text(value).split())


def _county(value) -> str:
    text = _clean(value)
    return "" if text.upper() in NO_VALUE else text


def support_code(support: str) -> str:
    """The short code an agreement id uses for a support type.

    >>> support_code("Task Force Model "), support_code("Jail Enforcement Model"), support_code("Other Thing")
    ('tfm', 'jem', 'other-thing')
    """
    key = " ".join(support.split()).casefold()
    return SUPPORT_CODES.get(key) or slug(key)


@dataclass
class Agreement:
    """One row of a 287(g) list, resolved."""

    sheet: Sheet
    row: SheetRow
    state: str
    agency: str
    agency_type: str
    county: str
    support: str
    signed: str
    pending: bool
    url: str
    notes: list[str] = field(default_factory=list)
    match: Match | None = None
    node_id: str = ""
    id: str = ""


def agreements(sheet: Sheet, *, pending_ok: bool) -> tuple[list[Agreement], list[Problem]]:
    """The sheet's rows as agreements, and the problems found (every one, not just the first)."""
    problems: list[Problem] = []
    found: list[Agreement] = []
    file = f"{sheet.file} [sheet {sheet.title}]"
    pending = sheet.pending
    for row in sheet.rows:
        v = row.values
        state_text = _clean(v.get("STATE"))
        agency = _clean(v.get("LAW ENFORCEMENT AGENCY"))
        support = _clean(v.get("SUPPORT TYPE"))
        state = state_code(state_text) if state_text else None
        bad = False
        if not state_text:
            problems.append(Problem(file, row.number, "STATE", None, "is empty"))
            bad = True
        elif state is None:
            problems.append(Problem(file, row.number, "STATE", state_text, "is not a US state or territory"))
            bad = True
        if not agency:
            problems.append(Problem(file, row.number, "LAW ENFORCEMENT AGENCY", None, "is empty"))
            bad = True
        if not support:
            problems.append(Problem(file, row.number, "SUPPORT TYPE", None, "is empty"))
            bad = True
        notes: list[str] = []
        signed = ""
        url = ""
        if not pending:
            try:
                signed, note = parse_signed(v.get("SIGNED"))
            except ValueError as exc:
                problems.append(Problem(file, row.number, "SIGNED", cell_text(v.get("SIGNED")), str(exc)))
                bad = True
            else:
                if note:
                    notes.append(note)
                if not signed:
                    notes.append("SIGNED is empty: the row gives no signature date")
                elif signed > dt.date.today().isoformat():
                    # A typo (5025-07-07 in ICE's July 2025 list): not a date an agreement was signed.
                    notes.append(f"SIGNED reads {signed}, a date still to come, so the edge is left undated")
                    signed = ""
            url, link_notes = _moa(v, row.links)
            notes += link_notes
        if len(row.text) > schema.QUOTE_MAX_CHARS:
            problems.append(Problem(file, row.number, None, row.text,
                                    f"the row is longer than the {schema.QUOTE_MAX_CHARS}-character quote limit"))
            bad = True
        if bad:
            continue
        found.append(Agreement(sheet, row, state, agency, _clean(v.get("TYPE")), _county(v.get("COUNTY")),
                               support, signed, pending, url, notes))
    if pending and not pending_ok and found:
        problems.append(Problem(sheet.file, None, None, None,
                                "is ICE's list of pending agreements (no SIGNED or MOA column); "
                                "pass --pending to import its rows as agreements not yet signed"))
    return found, problems


def _moa(values: dict, links: dict) -> tuple[str, list[str]]:
    """The MOA's address and notes on how it was found."""
    notes = []
    moa_text = _clean(values.get("MOA"))
    target = links.get("MOA") or ""
    if not target and re.match(r"https?://", moa_text, re.IGNORECASE):
        target = moa_text  # the address written in the cell itself
    url, note = unwrap_url(target)
    if note:
        notes.append(f"MOA link {note}")
    if not target:
        if "pending" in moa_text.casefold():
            notes.append(f"MOA cell reads {moa_text!r}: ICE had not posted the MOA")
        elif moa_text:
            notes.append(f"MOA cell reads {moa_text!r} but carries no hyperlink")
        else:
            notes.append("MOA cell is empty")
    addendum, note = unwrap_url(links.get("ADDENDUM"))
    if addendum:
        notes.append(f"the ADDENDUM cell links to {addendum}")
    elif note:
        notes.append(f"ADDENDUM link {note}")
    return url, notes


# -- the layer -----------------------------------------------------------------

SUPPORT_MEANING = {
    "jem": "designated officers identify and process removable people held in the jail",
    "tfm": "designated officers enforce immigration law during their regular duties",
    "wso": "designated officers serve ICE administrative warrants in the jail",
}


def _edge_notes(a: Agreement) -> str:
    code = support_code(a.support)
    meaning = SUPPORT_MEANING.get(code, f"support type {a.support!r}")
    if a.pending:
        head = (f"287(g) agreement, not signed: ICE's pending list names {a.agency} for the "
                f"{a.support} ({meaning}).")
        shows = ("The row shows that an agreement was pending when ICE published the list; "
                 "it does not show that it was signed, that data moved, or which data.")
    else:
        when = f"signed {a.signed}" if a.signed else "signature date not given"
        head = f"287(g) memorandum of agreement, {a.support} ({meaning}); {when}."
        shows = ("The row shows a formal channel between the agency and ICE; it does not show which data "
                 "moves through it or that any moved (the MOA sets out what the agency shares).")
    return " ".join([head, shows, *(_sentence(n) for n in a.notes)])


def _sentence(note: str) -> str:
    """A note as a sentence: capitalised, and closed with a full stop unless it ends with an address
    (a full stop would be copied with it)."""
    text = note[0].upper() + note[1:]
    return text if re.search(r"https?://\S+$", text) else text + "."


def source_for(fetched: Fetched, sheet: Sheet) -> dict:
    """The sources row for one workbook: ICE's list, its date, sha256 and retrieval date."""
    kind = "pending" if sheet.pending else "participating"
    listed = _list_date(fetched, sheet)
    title = ("ICE 287(g) pending agencies" if sheet.pending else
             "ICE 287(g) participating agencies (signed memoranda of agreement)")
    notes = (f"ICE's workbook {Path(fetched.url or fetched.path).name}, sheet {sheet.title!r}: "
             f"{len(sheet.rows)} rows. Date: {listed[1]}. Quotes are rows, cells joined by ' | ' "
             "(dates as YYYY-MM-DD); locators give the sheet and row as Excel shows them.")
    return {"id": f"ice-287g-{kind}", "title": title, "publisher": PUBLISHER, "date": listed[0],
            "url": fetched.url or PAGE_URL, "document": fetched.file_name, "notes": notes,
            "sha256": fetched.sha256, "retrieved": fetched.retrieved}


_NAME_DATE = re.compile(r"(\d{2})(\d{2})(20\d{2})")


def _list_date(fetched: Fetched, sheet: Sheet) -> tuple[str, str]:
    """The date of ICE's list: from the file name ICE gives (``…07182025pm.xlsx``), else the workbook's own."""
    found = _NAME_DATE.search(fetched.file_name)
    if found:
        month, day, year = (int(g) for g in found.groups())
        try:
            return dt.date(year, month, day).isoformat(), "from the file name ICE gave the workbook"
        except ValueError:
            pass
    if sheet.modified:
        return sheet.modified.date().isoformat(), "the workbook's last-modified date (its document properties)"
    return "", "not given"


def _assign_ids(found: list[Agreement]) -> Counter:
    """Agreement ids: ``287g-<node>-<support code>``, made unique when a list names one twice."""
    used: Counter = Counter()
    duplicates: Counter = Counter()
    for a in found:
        base = f"287g-{a.node_id.lower()}-{support_code(a.support)}"
        if used[base]:
            duplicates[base] += 1
            base = f"{base}-{a.signed or 'pending'}"
        used[base] += 1
        a.id = base if used[base] == 1 else f"{base}-{used[base]}"
    return duplicates


def build_layer(inputs: Sequence[tuple[Fetched, Sheet]], agencies: Agencies, *, pending: bool = False,
                progress: Progress | None = None) -> layers.Result:
    """The 287(g) layer for one or more read workbooks (not yet written: see :func:`import_287g`).

    Parameters
    ----------
    inputs
        Each workbook as fetched and read (:func:`read_workbook`).
    agencies
        What names resolve against (:func:`flowmap.importers.common.load_agencies`):
        the curated maps, the FBI registry, the user's links.
    pending
        Import the rows of a pending list (marked as not signed); without it a
        pending list is an error.
    progress
        Called as ``progress(rows_done, rows_total)``.

    Raises
    ------
    InputError
        Every problem in every workbook, at once.
    """
    problems: list[Problem] = []
    found: list[Agreement] = []
    sources = []
    for fetched, sheet in inputs:
        rows, sheet_problems = agreements(sheet, pending_ok=pending)
        problems += sheet_problems
        found += rows
        sources.append(source_for(fetched, sheet))
    if problems:
        raise InputError(problems)
    layer = layers.Layer()
    layer.sources.extend(sources)
    carried = Carried(agencies)
    carried.carry(TARGET)
    decisions: dict[tuple[str, str], Match] = {}
    methods: Counter = Counter()
    for done, a in enumerate(found, start=1):
        key = (a.agency.casefold(), a.state)
        if key not in decisions:
            match = agencies.resolver.resolve(a.agency, a.state, county=_bare_county(a.county))
            if match.resolved:
                city, why = agencies.city_jurisdiction(match)
                carried.carry(match.node_id, {"jurisdiction": city} if city else None)
                if why:
                    match = match.with_node(match.node_id, f"{match.reason}; {why}")
            else:
                match = match.with_node(local_id(a.agency, a.state))
                carried.add(_local_node(a, match))
            decisions[key] = match
            methods[match.method] += 1
        a.match = decisions[key]
        a.node_id = a.match.node_id
        if progress:
            progress(done, len(found))
    duplicates = _assign_ids(found)
    source_id = {id(sheet): source_for_id(sheet) for _, sheet in inputs}
    for a in found:
        layer.edges.append({
            "id": a.id, "from": a.node_id, "to": TARGET, "data": "unspecified",
            "mechanism": "formal_agreement", "date": a.signed, "evidence": "capability",
            "citation": source_id[id(a.sheet)], "locator": a.sheet.locate(a.row.number), "quote": a.row.text,
            "notes": _edge_notes(a), "url": a.url,
        })
    carried.into(layer)
    layer.matches.extend(m.row() for m in decisions.values())
    by_support = Counter(a.support for a in found)
    links = Counter("link" if a.url else "no link" for a in found if not a.pending)
    unwrapped = sum(1 for a in found if any("unwrapped" in n for n in a.notes))
    resolved = [m for m in decisions.values() if m.resolved]
    summary = {
        "workbooks": [{"file": f.name, "sheet": s.title, "rows": len(s.rows), "blank_rows": s.blank_rows,
                       "list": "pending" if s.pending else "participating"} for f, s in inputs],
        "rows": sum(len(s.rows) for _, s in inputs),
        "agreements": sum(1 for a in found if not a.pending),
        "pending": sum(1 for a in found if a.pending),
        "by_support_type": dict(sorted(by_support.items())),
        "with_moa_link": links["link"], "moa_unwrapped": unwrapped, "without_moa_link": links["no link"],
        "agencies": len(decisions),
        "resolved": len(resolved),
        "with_ori": sum(1 for m in resolved if m.ori),
        "resolution": dict(sorted(methods.items())),
        "new_nodes": sum(1 for m in decisions.values() if not m.resolved),
        "ambiguous": sorted(m.input_name for m in decisions.values() if m.method == "ambiguous"),
        "duplicate_agreements": sum(duplicates.values()),
        "signed_from_text": sum(1 for a in found if any("read as month/day/year" in n for n in a.notes)),
        "signed_left_out": sum(1 for a in found if any("a date still to come" in n for n in a.notes)),
    }
    return layers.Result(layer, summary)


def import_287g(sources: Sequence[str | os.PathLike], output: str | os.PathLike, *, model=None,
                registry: str | os.PathLike | None = None, links: str | os.PathLike | None = None,
                pending: bool = False, sheet: str | None = None, max_bytes: int | None = None,
                download_progress=None, progress: Progress | None = None) -> dict:
    """Import ICE's 287(g) workbooks (paths or http(s) URLs) into a layer at ``output``; return the summary.

    ``model`` is the :class:`~flowmap.model.Model` of the ``--data`` maps (the
    curated data, with ``ice``); ``registry`` and ``links`` as in
    :func:`~flowmap.importers.common.load_agencies`. Nothing is written unless
    every workbook reads cleanly and the layer validates.
    """
    from .common import load_agencies
    from .fetch import DEFAULT_MAX_BYTES, fetch

    inputs = []
    for source in sources:
        fetched = fetch(source, max_bytes=max_bytes or DEFAULT_MAX_BYTES, progress=download_progress)
        inputs.append((fetched, read_workbook(fetched.path, name=fetched.name, sheet=sheet)))
    agencies = load_agencies(model, registry=registry, links=links)
    result = build_layer(inputs, agencies, pending=pending, progress=progress)
    layers.write_layer(result.layer, output)
    return {**result.summary, "output": str(output)}


def source_for_id(sheet: Sheet) -> str:
    return f"ice-287g-{'pending' if sheet.pending else 'participating'}"


def _bare_county(county: str) -> str | None:
    """A county as the FBI list writes it (``KERN``), to narrow candidates."""
    text = re.sub(r"\s+(county|parish|borough)$", "", county.strip(), flags=re.IGNORECASE)
    return text or None


def _local_node(a: Agreement, match: Match) -> dict:
    """A layer-local agency: only the fields another layer's row for it cannot contradict.

    Another layer (the Flock list) may hold the same local id (:func:`~flowmap.importers.common.local_id`);
    the reason it is local is in ``matches.csv``, and ICE's TYPE in the edge's quote.
    """
    return {"id": match.node_id, "name": a.agency, "kind": "agency", "state": a.state, "county": a.county}
