"""``flowmap import contracts``: ICE contract awards that buy data or database access, as a layer.

The input is the award table *Torn Apart / Separados* compiled from
USAspending.gov (``explorer.csv``: ``award_id, recipient_name, parent_name,
recipient_city, recipient_state, …, award_description, product_combo,
company_combo``). Most awards are not data flows (detention, guards, radios,
furniture). :func:`classify` decides which are, by the rules in :data:`RULES`,
read top to bottom, the first match deciding:

1. **False friends** are skipped first, each with its reason: network access and
   access points (connectivity), licence *plates* bought from a DMV, accessories,
   bibliographic and reference subscriptions, training.
2. **Unclear** awards are skipped and listed: the description names a system
   or service without saying whose records it holds (``Esun Access``,
   ``Hleirs Annual Subscription``, ``On Site Law Enforcement Database Service``,
   ``Computer Licenses`` from Reed Elsevier).
3. **Data purchases** become edges *recipient → ICE*: CLEAR, the licence-plate
   reader database, subscription data services, social-media analytics, state
   and county criminal-justice databases (CLETS, SLETS, COLLECT, CJIS, ARJIS, the
   Arkansas Crime Information Center, the Oregon and Washington CJIS licences),
   Nlets, the North Carolina traffic database, the Texas Workforce Commission's
   database, telephone-portability data, Dun & Bradstreet's database and PACER.
4. Everything else is skipped as "not a purchase of data or database access".

Each edge: evidence ``capability`` (an award shows that ICE bought access, not
which records it read), mechanism ``subscription`` for subscriptions, renewals
and user fees and ``contract`` otherwise, ``date`` the fiscal year the award id
shows (``HSCEMD17F00008`` → 2017, ``70CDCR18P00000017`` → 2018; older ``HSCO…``
ids show none), ``quote`` the CSV line verbatim through ``award_description``
(the two columns after it repeat others; see :data:`QUOTE_THROUGH`), ``locator``
``row N`` (the header is row 1), ``id`` ``contract-<award id>`` (stable across re-imports).

Recipients resolve through :class:`~flowmap.importers.resolve.Resolver`
(curated nodes and the FBI registry); an award that names a product the curated
map has (CLEAR) is drawn from that product's node. State and county governments
that sold access become agency nodes with their state and county, so the
jurisdictions (and DOJ's designations) that cover those places cover them.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import schema
from ..errors import InputError, Problem
from . import layer as layers
from .common import Agencies, Carried, local_id
from .fetch import Fetched
from .resolve import Match, state_code

REQUIRED_COLUMNS = ("award_id", "recipient_name", "recipient_state", "award_description")
OPTIONAL_COLUMNS = ("parent_name", "recipient_city", "product_combo", "current_total_value")

TITLE = "Torn Apart / Separados: ICE contract awards (explorer table), from USAspending.gov"
PUBLISHER = "Torn Apart / Separados (xpmethod)"
URL = "https://github.com/xpmethod/torn-apart/blob/master/data/explorer/explorer.csv"
SOURCE_ID = "torn-apart-ice-awards"
TARGET = "ice"

#: Called as ``progress(rows_done, rows_total)``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rule:
    """One line of the classification: a pattern and what an award matching it is.

    ``description`` (and ``recipient``, when given) are regular expressions,
    case-insensitive, searched in the award description and the recipient's
    name; both must match. ``action`` is ``keep``, ``skip`` (a false friend) or
    ``unclear`` (skipped and listed).
    """

    name: str
    action: str
    description: str = ""
    recipient: str = ""
    data: str = ""
    kind: str = ""  # node kind of the recipient when it is new
    what: str = ""  # what the award buys, for notes and the README; the reason when skipped
    product: str = ""  # a curated node to draw the edge from when the map has it (e.g. CLEAR)

    def matches(self, description: str, recipient: str) -> bool:
        if self.description and not re.search(self.description, description, re.IGNORECASE):
            return False
        return not self.recipient or bool(re.search(self.recipient, recipient, re.IGNORECASE))


#: The classification, in order; the first rule that matches decides.
RULES: tuple[Rule, ...] = (
    # False friends: words that look like data access and are not.
    Rule("connectivity", "skip", r"network access|wireless access|access points?\b|access control|"
         r"cable and internet|data services? for the|cellular data|mobile broadband",
         what="connectivity or building access, not records"),
    Rule("dmv-plates", "skip", r"licen[cs]e plates(?! reader)|plates and registrations",
         what="licence plates and registrations for ICE's own vehicles, not plate-reader data"),
    Rule("accessories", "skip", r"accessor", what="equipment accessories"),
    Rule("reference", "skip", r"web of science|cyberfeds|congressional quarterly|digital library|"
         r"library access|field guides?|law books|journal", what="a bibliographic or reference subscription, "
         "not records about people"),
    Rule("training", "skip", r"bootcamp|training", what="training"),
    # Named systems whose records the award does not say.
    Rule("esun", "unclear", r"\besun\b", what="'Esun Access' (SANDAG): the award does not say what the system holds"),
    Rule("hleirs", "unclear", r"\bhleirs\b", what="'Hleirs Annual Subscription': the system is not identified"),
    Rule("le-database-service", "unclear", r"on site law enforcement database service",
         what="a 'law enforcement database service' from an IT reseller: whose records is not said"),
    Rule("relx-licences", "unclear", r"^computer licenses$", r"reed elsevier|relx",
         what="'Computer Licenses' from Reed Elsevier (LexisNexis's parent): what is licensed is not said"),
    # Data and database access.
    Rule("clear", "keep", r"\bclear\b.*(access|subscription)|consolidated lead evaluation",
         data="identity_address_records", kind="data_broker", product="CLEAR",
         what="CLEAR, Thomson Reuters' people-search database"),
    Rule("lpr-database", "keep", r"licen[cs]e plate reader database", data="licence_plate_reads",
         kind="data_broker", what="a commercial licence-plate-reader database"),
    Rule("subscription-data", "keep", r"^subscription data services?$", r"thomson reuters",
         data="unspecified", kind="data_broker",
         what="subscription data services from Thomson Reuters (seller of CLEAR); the records are not named"),
    Rule("social-media", "keep", r"social media", data="social_media", kind="vendor",
         what="open-source and social-media data analytics"),
    Rule("cjis-county", "keep", r"\b(clets|slets)\b|criminal justice information|\bcjis\b|collect database|"
         r"\barjis\b|automated regional justice information system", data="database_queries", kind="agency",
         what="access to a state or county criminal-justice information system"),
    Rule("crime-information-center", "keep", r"database", r"crime information center", data="database_queries",
         kind="agency", what="access to a state criminal-history database"),
    Rule("nlets", "keep", r"\bnlets\b", data="database_queries", kind="database",
         what="work on ICE's use of Nlets, the states' network for criminal-history and driver records"),
    Rule("traffic-database", "keep", r"traffic database", data="driver_records", kind="agency",
         what="access to a state traffic (driver and vehicle) database"),
    Rule("workforce-database", "keep", r"database", r"workforce commission", data="employer_records",
         kind="agency", what="access to a state workforce (employment and wage) database"),
    Rule("phone-portability", "keep", r"portability database", data="phone_numbers", kind="data_broker",
         what="telephone number portability data (which carrier holds a number)"),
    Rule("business-database", "keep", r"d&b database|dun (&|and) bradstreet", data="unspecified",
         kind="data_broker", what="Dun & Bradstreet's business-information database"),
    Rule("court-records", "keep", r"", r"pacer service center", data="unspecified", kind="federal_agency",
         what="PACER, the federal courts' electronic records"),
)

#: What an award is when no rule matches.
DEFAULT_SKIP = "not a purchase of data or database access (no rule matched)"

_SUBSCRIPTION = re.compile(r"subscription|renewal|user fees|annual|licen[cs]es?\b", re.IGNORECASE)
_GOVERNMENT = re.compile(r"^(county|city|state|town|commonwealth) of\b|\bassociation of governments\b|"
                         r"\bdep(artmen)?t\.?\b|\bcommission\b|crime information center|executive office of the state",
                         re.IGNORECASE)


@dataclass(frozen=True)
class Classification:
    """What an award is: kept (with the rule) or skipped (with the reason)."""

    action: str  # keep, skip or unclear
    rule: str  # the rule's name; "default" when none matched
    reason: str
    data: str = ""
    kind: str = ""
    product: str = ""

    @property
    def kept(self) -> bool:
        return self.action == "keep"


def classify(description: str, recipient: str) -> Classification:
    """Which rule an award falls under (see :data:`RULES`).

    >>> classify("Access to License Plate Reader Database", "West Publishing").rule
    'lpr-database'
    >>> classify("Network Access", "County of San Diego").action
    'skip'
    >>> classify("Supply of License Plates and Registrations", "New York State Department of Motor Vehicles").rule
    'dmv-plates'
    >>> classify("Guard Services for PIDC", "Ahtna Support & Training Services").reason
    'not a purchase of data or database access (no rule matched)'
    """
    for rule in RULES:
        if rule.matches(description, recipient):
            return Classification(rule.action, rule.name, rule.what, rule.data, rule.kind, rule.product)
    return Classification("skip", "default", DEFAULT_SKIP)


_FISCAL_YEAR = (re.compile(r"^HSCE[A-Z]{2}(\d{2})[A-Z]"), re.compile(r"^70C[A-Z0-9]{3}(\d{2})[A-Z]"))


def fiscal_year(award_id: str) -> str:
    """The fiscal year an award id shows, as ``YYYY``; empty when its pattern shows none.

    >>> fiscal_year("HSCEMD17F00008"), fiscal_year("70CDCR18P00000017"), fiscal_year("70CTD018FR0000043")
    ('2017', '2018', '2018')
    >>> fiscal_year("HSCOW5D0056")
    ''
    """
    for pattern in _FISCAL_YEAR:
        found = pattern.match(award_id.strip())
        if found:
            return f"20{found.group(1)}"
    return ""


def mechanism(description: str) -> str:
    """``subscription`` for subscriptions, renewals, user fees and licences; ``contract`` otherwise.

    >>> mechanism("CLEAR System Access/Subscription"), mechanism("Access to Clets Law Enforcement Data Base")
    ('subscription', 'contract')
    """
    return "subscription" if _SUBSCRIPTION.search(description) else "contract"


def is_government(recipient: str, parent: str = "") -> bool:
    """Whether a recipient is a state or local government body (it sold access to its own records).

    >>> is_government("County of Kern"), is_government("Texas Workforce Commission", "State of Texas")
    (True, True)
    >>> is_government("West Publishing", "West Publishing")
    False
    """
    return bool(_GOVERNMENT.search(recipient)) or parent.strip().lower().startswith("state of")


# -- reading ---------------------------------------------------------------------

@dataclass(frozen=True)
class Award:
    row: int  # as a spreadsheet shows it (header = 1)
    line: str  # the record as it is in the file, without its line ending
    fields: dict
    quote: str = ""  # the line up to the end of the award_description cell (see :func:`cut_after`)


#: The last column a quote includes. The two after it in Torn Apart's table,
#: ``product_combo`` and ``company_combo``, repeat other columns joined by ``||``;
#: leaving them out keeps a row's quote within the 300-character limit.
QUOTE_THROUGH = "award_description"


def cut_after(line: str, cells: int) -> str:
    """The first ``cells`` cells of a CSV line, verbatim (quotes and commas inside them kept).

    >>> cut_after('a,"b, c",d,e', 2)
    'a,"b, c"'
    >>> cut_after('a,b', 5)
    'a,b'
    """
    quoted = False
    seen = 0
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            seen += 1
            if seen == cells:
                return line[:i]
    return line


def read_awards(path: str | os.PathLike, name: str | None = None) -> list[Award]:
    """The awards of an explorer.csv, each with its line verbatim.

    Raises :class:`InputError` for an unreadable or empty file, a missing
    column, or a row whose cell count is wrong (naming file, row and column).
    """
    path = Path(path)
    name = name or str(path)
    text = layers.read_text_input(path, name)
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in text.splitlines(keepends=True):
            consumed.append(line)
            yield line

    reader = csv.reader(lines())
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError([Problem(name, 1, None, None, f"is not valid CSV: {exc}")]) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError([Problem(name, 1, c, None, "required column is missing: this does not look like the "
                                  "award table (award_id, recipient_name, recipient_state, award_description…)")
                          for c in missing])
    awards: list[Award] = []
    problems: list[Problem] = []
    number = 1
    while True:
        consumed.clear()
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError([Problem(name, number + 1, None, None, f"is not valid CSV: {exc}")]) from None
        number += 1
        raw = "".join(consumed).rstrip("\r\n")
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(name, number, None, raw, f"has {len(cells)} cells; the header has {len(header)}"))
            continue
        fields = dict(zip(header, cells))
        if not fields["award_id"].strip():
            problems.append(Problem(name, number, "award_id", None, "is empty"))
            continue
        awards.append(Award(number, raw, fields, cut_after(raw, header.index(QUOTE_THROUGH) + 1)))
    if problems:
        raise InputError(problems)
    if not awards:
        raise InputError([Problem(name, None, None, None, "has a header but no awards")])
    return awards


# -- the layer -------------------------------------------------------------------

def _node_for(award: Award, c: Classification, resolve: Callable[[str, str | None], Match],
              state: str) -> tuple[str, dict | None, Match]:
    """The node an award's edge starts at: (id, new node row or None, match).

    ``resolve(name, state)`` is :meth:`~flowmap.importers.resolve.Resolver.resolve`, remembered
    per name and state by the caller.
    """
    recipient = " ".join(award.fields["recipient_name"].split())
    parent = " ".join(award.fields.get("parent_name", "").split())
    if c.product:
        match = resolve(c.product, None)
        if match.resolved:
            return match.node_id, None, match
    match = resolve(recipient, state or None)
    if match.resolved:
        return match.node_id, None, match
    government = is_government(recipient, parent)
    kind = "agency" if government else (c.kind if c.kind != "agency" else "vendor")
    # A government is a place's body: its id carries the state. A company's does not (it sells nationally).
    node_id = local_id(recipient, state if government else None)
    match = match.with_node(node_id)
    row = {"id": node_id, "name": recipient, "kind": kind, "state": state if government or kind == "agency" else "",
           "citation": SOURCE_ID}
    county = _county_of(recipient, award.fields.get("recipient_city", ""), state)
    if county:
        row["county"] = county
    aliases = [parent] if parent and parent.casefold() != recipient.casefold() and not government else []
    if aliases:
        row["aliases"] = ";".join(aliases)
    where = f" ({award.fields.get('recipient_city', '').strip()}, {state})" if state else ""
    row["notes"] = (f"Recipient of ICE awards{where}"
                    + (f"; parent {parent}" if parent and parent.casefold() != recipient.casefold() else "")
                    + ". Not a node of the curated map or the FBI registry (matches.csv says why)."
                    + (f" County from its name or seat: {county}." if county else ""))
    return node_id, row, match


#: Regional bodies that serve one county, by name: their county, so the county's status covers them.
REGIONAL_COUNTIES = {"san diego association of governments": "San Diego"}


def _county_of(recipient: str, city: str, state: str) -> str:
    """A county government's county (``County of Kern`` → Kern); a regional body's, when known."""
    found = re.match(r"^county of (.+)$", recipient.strip(), re.IGNORECASE)
    if found:
        return found.group(1).strip()
    found = re.match(r"^(.+?) county$", recipient.strip(), re.IGNORECASE)
    if found and state:
        return found.group(1).strip()
    return REGIONAL_COUNTIES.get(recipient.strip().casefold(), "")


def _notes(award: Award, c: Classification, fy: str, product_node: bool) -> str:
    f = award.fields
    recipient = " ".join(f["recipient_name"].split())
    value = f.get("current_total_value", "").strip()
    parts = [f"ICE award {f['award_id'].strip()} to {recipient}: {f['award_description'].strip()!r}, "
             f"classified as {c.reason} (rule '{c.rule}')."]
    if product_node:
        parts.append(f"The award names the product; the edge starts at its node. Recipient: {recipient}.")
    parts.append("The award shows that ICE paid for access; it does not show which records ICE read, "
                 "or about whom.")
    if value:
        parts.append(f"Current total value ${value}.")
    parts.append(f"Date: fiscal year {fy} (October {int(fy) - 1} to September {fy}), from the award id."
                 if fy else "The award id shows no fiscal year; undated.")
    return " ".join(parts)


def build_layer(fetched: Fetched, agencies: Agencies, *, progress: Progress | None = None) -> layers.Result:
    """The contracts layer for an award table (not yet written: see :func:`import_contracts`).

    ``agencies`` is what recipients resolve against (:func:`flowmap.importers.common.load_agencies`).
    """
    awards = read_awards(fetched.path, fetched.name)
    # A recipient holds several awards (a county's renewals, a product's years): resolve each name
    # once. Resolving is a pure function of the name and state, so the layer is the same.
    resolve = functools.cache(agencies.resolver.resolve)
    carried = Carried(agencies)
    carried.carry(TARGET)
    layer = layers.Layer()
    layer.sources.append({
        "id": SOURCE_ID, "title": TITLE, "publisher": PUBLISHER, "date": "2018",
        "url": fetched.url or URL, "document": fetched.file_name,
        "notes": ("Award table of Torn Apart / Separados (xpmethod, volume 2), from USAspending.gov: ICE awards "
                  "active in 2018, award ids FY08-FY18. CC BY 4.0. Quotes are CSV lines verbatim; locators are "
                  "rows as a spreadsheet shows them (header = row 1)."),
        "sha256": fetched.sha256, "retrieved": fetched.retrieved,
    })
    decisions: dict[tuple[str, str], object] = {}
    kept: Counter = Counter()
    skipped: Counter = Counter()
    unclear: list[dict] = []
    problems: list[Problem] = []
    governments: dict[str, dict] = {}
    for done, award in enumerate(awards, start=1):
        if progress:
            progress(done, len(awards))
        f = award.fields
        c = classify(f["award_description"], f["recipient_name"])
        if not c.kept:
            skipped[c.reason] += 1
            if c.action == "unclear":
                unclear.append({"row": award.row, "award_id": f["award_id"], "recipient": f["recipient_name"],
                                "description": f["award_description"], "why": c.reason})
            continue
        state_text = f.get("recipient_state", "").strip()
        state = state_code(state_text) if state_text else ""
        if state is None:
            state = ""  # a foreign recipient; kept without a state
        if len(award.quote) > schema.QUOTE_MAX_CHARS:
            problems.append(Problem(fetched.name, award.row, QUOTE_THROUGH, award.quote,
                                    f"the row through {QUOTE_THROUGH} is longer than the "
                                    f"{schema.QUOTE_MAX_CHARS}-character quote limit"))
            continue
        key = (f["recipient_name"].strip().casefold() + "|" + c.product, state)
        node_id, row, match = _node_for(award, c, resolve, state)
        if key not in decisions:
            decisions[key] = match
        if row is not None:
            carried.add(row)
        else:
            carried.carry(node_id)
        if row is not None and row["kind"] == "agency" or is_government(f["recipient_name"], f.get("parent_name", "")):
            governments.setdefault(node_id, {"id": node_id, "name": " ".join(f["recipient_name"].split()),
                                             "state": state, "county": (row or {}).get("county", ""),
                                             "awards": []})["awards"].append(f["award_id"].strip())
        fy = fiscal_year(f["award_id"])
        kept[c.rule] += 1
        layer.edges.append({
            "id": f"contract-{f['award_id'].strip().lower()}", "from": node_id, "to": TARGET, "data": c.data,
            "mechanism": mechanism(f["award_description"]), "date": fy, "evidence": "capability",
            "citation": SOURCE_ID, "locator": f"row {award.row}", "quote": award.quote,
            "notes": _notes(award, c, fy, bool(c.product) and row is None and match.method != "new"),
        })
    if problems:
        raise InputError(problems)
    seen_edges = Counter(e["id"] for e in layer.edges)
    duplicated = [e for e, n in seen_edges.items() if n > 1]
    if duplicated:
        raise InputError([Problem(fetched.name, None, "award_id", d.removeprefix("contract-").upper(),
                                  "appears in more than one kept row") for d in duplicated])
    carried.into(layer)
    layer.matches.extend(m.row() for m in decisions.values())
    methods = Counter(m.method for m in decisions.values())
    summary = {
        "file": fetched.name, "rows": len(awards), "kept": sum(kept.values()),
        "kept_by_rule": dict(sorted(kept.items())), "skipped": sum(skipped.values()),
        "skipped_by_reason": dict(skipped.most_common()), "unclear": unclear,
        "recipients": len(decisions), "resolution": dict(sorted(methods.items())),
        "new_nodes": sum(1 for m in decisions.values() if not m.resolved),
        "governments": list(governments.values()),
    }
    return layers.Result(layer, summary)


def import_contracts(source: str | os.PathLike, output: str | os.PathLike, *, model=None,
                     registry: str | os.PathLike | None = None, links: str | os.PathLike | None = None,
                     max_bytes: int | None = None, download_progress=None, progress: Progress | None = None) -> dict:
    """Import an award table (a path or an http(s) URL) into a layer at ``output``; return the summary.

    ``model`` is the :class:`~flowmap.model.Model` of the ``--data`` maps (the
    curated data, with ``ice``); ``registry`` and ``links`` as in
    :func:`~flowmap.importers.common.load_agencies`.
    """
    from .common import load_agencies
    from .fetch import DEFAULT_MAX_BYTES, fetch

    fetched = fetch(source, max_bytes=max_bytes or DEFAULT_MAX_BYTES, progress=download_progress)
    agencies = load_agencies(model, registry=registry, links=links)
    result = build_layer(fetched, agencies, progress=progress)
    layers.write_layer(result.layer, output)
    return {**result.summary, "output": str(output)}
