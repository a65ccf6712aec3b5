"""``flowmap import flock``: the N&O's list of Flock licence-plate-reader sharing grants as a layer.

Input: ``agency_access<date>.csv`` from The News & Observer's *Private Eyes*
repository (columns ``src_agency, external_agency, src_agency_id,
external_agency_id``: the source agency's Flock transparency portal lists the
external agency among the organisations with access to its plate reads), and
``agency<date>.csv`` (``id, name, notes``), the N&O's list of every agency with
its id, which checks that the ids and names agree and whose notes go into
``matches.csv``.

Each row becomes an edge ``src_agency → external_agency`` carrying
``licence_plate_reads`` by ``database_access``, evidence ``capability`` (a
grant of access, not a search), quoting the input row verbatim, located as
``row N`` (the header is row 1). Each name is resolved once
(:mod:`flowmap.importers.resolve`) against the curated maps and the FBI
registry, so ``San Francisco CA PD`` lands on the curated ``sfpd`` and
``Camden Co MO SO`` and ``Camden County MO SO`` on one node.

Flock-specific handling, all recorded in ``matches.csv``:

- The state comes from the name (``Oakland CA PD``, ``(GA)``, ``-CA``), only where the name
  shows it (:func:`~flowmap.importers.resolve.read_state`): a code that may abbreviate a
  county's office where it stands (``Grundy CO SO``: County, or Colorado?) gives a state only
  when the FBI list has the name so read in that state and no other
  (:meth:`~flowmap.importers.resolve.Resolver.resolve_maybe`). A name with
  none takes the state of its sharing partners when at least three have one, all the same,
  and the name is an agency of that state (``Butte County SO``); otherwise it has no state.
- A parenthesised note (``(Franklin CO)``) may choose between same-named townships.
- A second account of one agency (``Polk County FL SO - Flex``, ``Hermitage PA PD 2``,
  ``Springfield MO PD (Raven)``) is resolved without its account suffix.
- Flock's own demo, test, training and staff accounts, and accounts named "do not
  use", inactive or revoked, are skipped with their rows (they are not agencies, or not in use).
- A name that resolves to no known agency becomes a node of the kind its words show
  (:data:`NATURES`): an agency when they show a government body (police, a sheriff, a
  prosecutor, a fire department, a city), a federal unit, a fusion center, a vendor, or
  otherwise an ``account`` (a company, a school, a person, a name that does not say), which
  is given no state so that no state's sanctuary law is taken to cover it.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from . import layer as layers
from .common import Agencies, Carried, also_known_as, local_id
from .resolve import Match, StateReading, county_hint, read_state, split_hints, split_state

TITLE = "Private Eyes: agencies with external access to Flock licence-plate-reader data (agency_access)"
PUBLISHER = "The News & Observer"
URL = "https://github.com/mcclatchy-southeast/private_eyes/tree/main/data"
ACCESS_COLUMNS = ("src_agency", "external_agency", "src_agency_id", "external_agency_id")
AGENCY_COLUMNS = ("id", "name")

EDGE_NOTES = (
    "The source agency's Flock transparency portal listed the external agency among the organisations with "
    "access to its licence-plate-reader data (N&O scrape, July 2023 to April 2024; list as of the file's date). "
    "This shows that access was granted, not that the external agency searched the data, what it looked for, "
    "or what it did with the results; nor does it show when the grant began."
)

#: Accounts that are not agencies (Flock's own staff, demo, test and training accounts) or are marked unused.
SKIP = (
    (re.compile(r"do ?n[o']?t use|\bdnu\b|not in use|\(inactive\)|\(revoked|\(duplicate", re.IGNORECASE),
     "account marked 'do not use', 'not in use', inactive, revoked or duplicate in its name"),
    (re.compile(r"\bdemo\b|\btest\b|\btesting\b|training|^flock\b|flock safety|^example\b", re.IGNORECASE),
     "not an agency: a Flock staff, demo, test or training account"),
)


@dataclass(frozen=True)
class Nature:
    """What an account's name shows about who holds it: one rule of :data:`NATURES`.

    ``what`` names the class (the import summary counts by it), ``kind`` is the
    node kind it gives, ``shows`` completes "its name shows …", and
    ``pattern`` is the words that show it.
    """

    what: str
    kind: str
    shows: str
    pattern: re.Pattern


def _words(*alternatives: str, case: bool = False) -> str:
    """A regex matching any of the alternatives as whole words (``case``: capitals as written)."""
    words = "|".join(alternatives)
    return r"(?<![\w'])" + (f"(?-i:{words})" if case else f"(?:{words})") + r"(?![\w'])"


def _rule(what: str, kind: str, shows: str, *patterns: str) -> Nature:
    """A :class:`Nature` whose pattern is any of ``patterns``, in any case (save inside ``(?-i:…)``)."""
    return Nature(what, kind, shows, re.compile("|".join(patterns), re.IGNORECASE))


#: Words for a school, college, university or hospital (not ``Schools``: a school district is public).
INSTITUTION = r"universit(?:y|ies)|college|academy|school(?!s)|campus|cal state|medical center|hospital|health"


#: What an unresolved name shows about who holds the account, tried in order: the first rule with a
#: word in the name (without its state code) decides the node's kind. Each rule claims only what a word
#: of the name shows (``PD`` a police body, ``Inc`` a company); a name no rule fits (``Lynne Drake``,
#: ``GPC``, ``Hamilton GA``) is an ``account`` whose holder the record does not show. A rule comes
#: before a broader one it would otherwise lose to: a fire marshal, or a dispatch centre Flock names
#: ``KenCom IL PD Dispatch Center``, is a government body but not a police agency. The words were read
#: against every one of the Flock list's 584 unresolved names (README, "Accounts that are not agencies").
NATURES: tuple[Nature, ...] = (
    _rule("federal agency", "federal_agency", "a federal agency or unit",
          _words("ATF", "USMS", "FBI", "DEA", "HSI", "CBP", r"N\.R\.A\.", "US(?= -| Postal| Air| Army| Navy)",
                 case=True),
          _words("postal inspection", "national park", "veterans affairs")),
    # Companies known to sell surveillance technology or services (``Leonardo`` and ``Clearview`` are
    # also towns, so they are left out).
    _rule("vendor", "vendor", "a company that sells surveillance technology",
          _words("Axon", "Genetec", "Verra Mobility", "SkyCop", "Ontic(?: Technologies)?", "Motorola(?: Solutions)?",
                 "Vigilant Solutions", "Rekor", "Fusus", "ShotSpotter", "SoundThinking", "Palantir", "LexisNexis",
                 "Cellebrite", "Avigilon", "BriefCam", "Verkada", "Mark43", "Peregrine Technologies")),
    # Not when the name spells out police or a sheriff (a "Police and Fire" department would be police).
    _rule("government, not police", "agency", "a government body that is not a police agency",
          r"^(?!.*\b(?:police|sheriff))(?:.*?)(?P<word>" + _words(
              "fire", "FD", "motor vehicles", "BMV", "DMV", "dispatch", "disptach", "communications", "911", "ECC",
              "RECC", "SERESA", "comm ctr", "code compliance") + ")"),
    # A hospital's or a private college's "Public Safety" is its security department, not shown to be police.
    _rule("school or hospital", "account",
          "a school, college, university or hospital's safety or security department, not shown to be police",
          rf"^(?!.*\b(?:PD|police)\b)(?=.*\b(?:{INSTITUTION})\b).*\b(?P<word>public safety|campus safety|security)\b"),
    _rule("fusion center", "fusion_center", "a fusion center",
          _words("fusion cent(?:er|re)", "information analysis cent(?:er|re)")),
    _rule("law enforcement", "agency", "a law-enforcement body",
          _words("PD", r"SO\d*", "SD", "DA", "DA's", "DAs", "TF", "DTF", "DPS", "LE", "HIDTA", "CAC", "RISS",
                 "ROCIC", "MOCIC", "MAGLOCLEN", "NESPIN", "RMIN", "KBI", "GBI", "SLED", "ALEA", "OOCIC", "TAG",
                 r"(?!C?ISD\b)[A-Z]{1,5}(?:PD|SO|SD)",  # an agency's acronym (LASD, SMCSO), not a school district
                 case=True),
          _words("police", "sheriff'?s?", "marshal'?s?", "marshall's", "constable", "const", "pct", "precinct",
                 "district attorney'?s?", "prosecut(?:or|ors|ing)'?s?", "states? attorney'?s?",
                 "attorney general'?s?", "attorney's office", "county attorney", "solicitor'?s?", "patrol",
                 "troopers?", "task ?force", "taskforce", "drug", "narcotics", "gang", "auto theft", "crimes",
                 "criminal", "crime analysis", "investigations?", "laws? enforcement", "public safety",
                 "rangers?", "inspector general", "intelligence", "information network")),
    _rule("company", "account", "a private company",
          _words("inc", "llc", "ltd", "corp", "corporation", "company", "properties", "power", "systems",
                 "technologies")),
    _rule("government", "agency", "a government body, not shown to be a law-enforcement agency",
          _words("(?:city|town|village|borough) of", "township", "twp", "county", "parish", "commission", "board",
                 "department", "dept", "bureau", "office", "division", "authority", "district", "dist", "schools",
                 "ISD", "CISD", "ABC", "alcoholic beverage control", "corrections?", "probation", "conservation",
                 "wildlife", "natural resources", "parks?", "metroparks", "port of", "airport", "transit",
                 "housing", "judicial", "DOTD", "DoEC"),
          r"\b(?:city|town|village)$"),
    _rule("school or hospital", "account",
          "a school, college, university or hospital, not shown to be its police or a public body",
          _words(INSTITUTION)),
    _rule("association", "account", "an association or private group",
          _words("association", "HOA", "homeowners", "property owners", "league", "chamber of commerce")),
)
#: A name no rule fits.
UNSHOWN = Nature("not shown", "account", "", re.compile(r"(?!)"))


def nature_of(name: str) -> tuple[Nature, str]:
    """What an account's name shows about its holder, and the word that shows it.

    >>> [(n.what, word) for n, word in map(nature_of, ["Oakland CA PD", "Axon", "KenCom IL PD Dispatch Center"])]
    [('law enforcement', 'PD'), ('vendor', 'Axon'), ('government, not police', 'Dispatch')]
    >>> nature_of("Lynne Drake")[0].kind
    'account'
    """
    text = split_state(name)[0]
    for nature in NATURES:
        found = nature.pattern.search(text)
        if found:
            return nature, found.groupdict().get("word") or found.group()
    return UNSHOWN, ""


#: Suffixes that mark a second Flock account of one agency.
ACCOUNT_SUFFIX = re.compile(
    r"\s*(?:-\s*(?:flex|mobile|original|stac|insight(?: omnia)?)|\((?:flex|raven|condor|trailer|disp)\)|"
    r"\bPD\(Disp\)|\s\d|\serror)\s*$", re.IGNORECASE)

Progress = Callable[[int], None]


@dataclass
class Summary:
    """What an import did, for the CLI's closing lines."""

    rows: int = 0
    edges: int = 0
    names: int = 0
    methods: Counter = field(default_factory=Counter)  # resolved names by method; also new, ambiguous, skipped
    skipped_rows: Counter = field(default_factory=Counter)  # reason -> rows
    skipped_names: Counter = field(default_factory=Counter)  # reason -> names
    unmatched: Counter = field(default_factory=Counter)  # reason group -> names (new)
    natures: Counter = field(default_factory=Counter)  # what a layer-local node's name shows -> nodes
    nodes: Counter = field(default_factory=Counter)  # curated / registry / layer-local
    city_jurisdictions: int = 0
    output: str = ""

    @property
    def resolved(self) -> int:
        return sum(n for m, n in self.methods.items() if m in Match.RESOLVED)


def _parse(path: Path, lines: list[str], required: tuple[str, ...], what: str) -> tuple[list[str], list[dict]]:
    """Rows of a CSV whose records are one line each (the N&O files are), with each raw line kept."""
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError([Problem(str(path), 1, c, None, f"required column is missing: this does not look like "
                                  f"the N&O {what} (columns {', '.join(required)})") for c in missing])
    rows = []
    problems = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            problems.append(Problem(str(path), number, None, line,
                                    f"has {len(cells)} cells, the header {len(header)} (a comma inside a name?)"))
            continue
        row = dict(zip(header, (c.strip() for c in cells)))
        row["_line"], row["_row"] = line, number
        rows.append(row)
    if problems:
        raise InputError(problems)
    return header, rows


def clean_name(name: str) -> tuple[str, str]:
    """A name without a second-account suffix, and the suffix dropped ('' when none).

    >>> clean_name("Polk County FL SO - Flex")
    ('Polk County FL SO', '- Flex')
    >>> clean_name("Hermitage PA PD 2")
    ('Hermitage PA PD', '2')
    >>> clean_name("Oakland CA PD")
    ('Oakland CA PD', '')
    """
    found = ACCOUNT_SUFFIX.search(name)
    if not found or found.start() == 0:
        return name, ""
    return name[: found.start()].rstrip(" -"), found.group().strip()


def skip_reason(name: str) -> str:
    """Why a name is not imported as an agency, or '' when it is."""
    for pattern, reason in SKIP:
        if pattern.search(name):
            return reason
    return ""


def nature_reason(nature: Nature, word: str) -> str:
    """The ``matches.csv`` words for a layer-local name's kind, with the word of the name that decided it."""
    if nature is UNSHOWN:
        return ("kind account: no word of the name shows a government agency, a company or a school "
                "(who holds the account is not shown)")
    return f"kind {nature.kind}: the name ({word!r}) shows {nature.shows}"


#: Kinds that no state's law covers: a state would put the node under its state's sanctuary law,
#: and those laws bind the state's and its localities' own agencies.
NOT_STATE_BOUND = ("federal_agency", "vendor", "account")


def local_node(node_id: str, name: str, match: Match, nature: Nature, word: str, county: str,
               citation: str) -> dict:
    """The node row of a name no map knows, of the kind its name shows (:data:`NATURES`)."""
    found = ("Several FBI-listed agencies have this name; see matches.csv." if match.method == "ambiguous"
             else "Not found in the FBI agency list.")
    if nature is UNSHOWN:
        what = "Its name does not show who holds the account: it is not shown to be an agency."
    else:
        what = f"Its name ({word!r}) shows {nature.shows}."
    state = match.state
    if nature.kind in NOT_STATE_BOUND:
        if state:
            what += (f" The list places it in {state}; it is given no state, so that no state's sanctuary law "
                     "is taken to cover it.")
        state, county = "", ""
    return {"id": node_id, "name": name, "kind": nature.kind, "state": state, "county": county,
            "citation": citation, "notes": f"Named in the N&O's Flock sharing list. {found} {what}"}


def unmatched_group(match: Match) -> str:
    """A short reason group for an unresolved name, for the summary and the README."""
    reason = match.reason
    if not match.state:
        return "no state in the name (and its partners do not settle one)"
    if match.method == "ambiguous":
        return "ambiguous: several agencies of this name in the state"
    found = re.search(r"\((sheriff|police|prosecutor|other)\)", reason)
    kind = found.group(1) if found else "other"
    return {
        "police": "police or public-safety body not in the FBI list under this name",
        "sheriff": "sheriff's office not in the FBI list under this name",
        "prosecutor": "prosecutor (not in the FBI list)",
        "other": "not a police agency the FBI lists (dispatch, task force, school, state body, company…)",
    }[kind]


def import_flock(access: str | os.PathLike, agencies_file: str | os.PathLike, output: str | os.PathLike,
                 agencies: Agencies, *, url: str = URL, retrieved: str | None = None,
                 progress: Progress | None = None) -> Summary:
    """Import the Flock sharing list into a layer at ``output`` and return its :class:`Summary`.

    Parameters
    ----------
    access
        ``agency_access<date>.csv``.
    agencies_file
        ``agency<date>.csv``: ids and names must agree with ``access``.
    output
        The layer directory (written atomically by :func:`~flowmap.importers.layer.write_layer`).
    agencies
        From :func:`~flowmap.importers.common.load_agencies`: the curated maps and the registry.
    url, retrieved
        For the sources row (where the file came from, when it was downloaded).
    progress
        Called with the number of rows handled since the last call.

    Raises
    ------
    InputError
        Missing columns, a row with the wrong number of cells, an id whose name
        differs between the two files, an empty file.
    """
    access, agencies_file = Path(access), Path(agencies_file)
    lines = layers.read_text_input(access).splitlines()
    _, rows = _parse(access, lines, ACCESS_COLUMNS, "Flock sharing list (agency_access)")
    agency_lines = layers.read_text_input(agencies_file).splitlines()
    _, agency_rows = _parse(agencies_file, agency_lines, AGENCY_COLUMNS, "agency list (agency)")
    known = {r["id"]: r for r in agency_rows}
    problems = []
    for row in rows:
        for name_column, id_column in (("src_agency", "src_agency_id"), ("external_agency", "external_agency_id")):
            listed = known.get(row[id_column])
            if listed is None or listed["name"] != row[name_column]:
                problems.append(Problem(str(access), row["_row"], id_column, row[id_column],
                                        f"names {row[name_column]!r} here but "
                                        + (f"{listed['name']!r} in {agencies_file}" if listed
                                           else f"is not an id in {agencies_file}")))
        if not row["src_agency"] or not row["external_agency"]:
            problems.append(Problem(str(access), row["_row"], "src_agency" if not row["src_agency"]
                                    else "external_agency", None, "is empty"))
    if problems:
        raise InputError(problems)
    notes_by_name = {r["name"]: r.get("notes", "") for r in agency_rows if r.get("notes", "") not in ("", "NA")
                     and not re.fullmatch(r"added from .*(ex org check|Atlas of Surveillance)", r.get("notes", ""))}

    source = layers.source_row(access, id="flock-agency-access", title=TITLE, publisher=PUBLISHER, url=url,
                               retrieved=retrieved, date="2024-05-02",
                               notes=f"{access.name}, with {agencies_file.name} for ids and names. The N&O "
                                     "collected Flock transparency portals from July 2023 to April 2024.")
    source["id"] = f"flock-agency-access-{source['sha256'][:10]}"
    summary = Summary(rows=len(rows), output=str(output))

    # Resolve every distinct name once.
    names = list(dict.fromkeys(n for r in rows for n in (r["src_agency"], r["external_agency"])))
    summary.names = len(names)
    parsed: dict[str, tuple[str, str | None, tuple[str, ...], str]] = {}
    readings: dict[str, StateReading] = {}
    for name in names:
        clean, dropped = clean_name(name)
        readings[name] = reading = read_state(clean)
        rest, hints = split_hints(reading.rest)
        parsed[name] = (rest, reading.state, hints, dropped)
    partners: dict[str, set[str]] = {}
    for row in rows:
        a, b = row["src_agency"], row["external_agency"]
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)

    matches: dict[str, Match] = {}
    skipped: dict[str, str] = {}
    resolver = agencies.resolver
    for name in names:
        reason = skip_reason(name)
        if reason:
            skipped[name] = reason
            continue
        rest, state, hints, dropped = parsed[name]
        inferred = ""
        match = resolver.resolve(rest, state, county=hints[0] if hints else None, full_name=name)
        reading = readings[name]
        if reading.maybe and not match.resolved:
            # A code that may be the state or an abbreviation: the FBI list says whether both readings agree.
            maybe = StateReading(rest, None, reading.maybe, reading.note, split_hints(reading.maybe_rest)[0])
            match = resolver.resolve_maybe(maybe, county=hints[0] if hints else None, full_name=name)
        elif reading.note:
            match = match.with_node(match.node_id, f"{match.reason}; {reading.note}")
        if state is None and not match.resolved:
            # Partners hint at the state (an agency mostly shares with its neighbours), but
            # portals also list far-away partners: the hint counts only when at least three
            # partners agree and the name then resolves to an agency of that state.
            partner_states = [parsed[p][1] for p in partners[name] if parsed[p][1]]
            if len(partner_states) >= 3 and len(set(partner_states)) == 1:
                guess = resolver.resolve(rest, partner_states[0], county=hints[0] if hints else None,
                                         full_name=name)
                if guess.resolved and guess.method in ("name", "alias", "normalised"):
                    match = guess
                    inferred = (f"state {guess.state} from its partners: all {len(partner_states)} with a state "
                                f"are in {guess.state}, and the name is an agency there")
                    if reading.note:
                        inferred = f"{reading.note}; {inferred}"
        notes = []
        if dropped:
            notes.append(f"account suffix {dropped!r} dropped")
        if inferred:
            notes.append(inferred)
        if name in notes_by_name:
            notes.append(f"N&O note: {notes_by_name[name]}")
        if notes:
            match = match.with_node(match.node_id, f"{match.reason}; {'; '.join(notes)}")
        matches[name] = match

    layer = layers.Layer(sources=[source])
    carried = Carried(agencies)
    node_rows = carried.nodes
    node_of: dict[str, str] = {}
    for name, match in matches.items():
        if match.resolved:
            jurisdiction, why = agencies.city_jurisdiction(match)
            if why:
                summary.city_jurisdictions += 1
                match = match.with_node(match.node_id, f"{match.reason}; {why}")
            if match.node_id not in node_rows:
                carried.carry(match.node_id, {"jurisdiction": jurisdiction})
                row = node_rows[match.node_id]
                summary.nodes["curated" if row["id"] != row.get("ori") else "registry"] += 1
        else:
            rest, state, hints, _ = parsed[name]
            node_id = local_id(rest, match.state or None)
            match = match.with_node(node_id)
            nature, word = nature_of(name)
            match = match.with_node(node_id, f"{match.reason}; {nature_reason(nature, word)}")
            if node_id not in node_rows:
                # A note naming a county ("(Franklin County)", "(Franklin CO)") places it there.
                counties = [county_hint(h).title() for h in hints if re.search(r"\b(co|county|parish)\b", h, re.I)]
                node_rows[node_id] = local_node(node_id, rest or name, match, nature, word,
                                                ";".join(c for c in counties if c), source["id"])
                summary.nodes["layer-local"] += 1
                summary.natures[nature.what] += 1
            summary.unmatched[unmatched_group(match)] += 1
        matches[name] = match
        node_of[name] = match.node_id
        summary.methods[match.method] += 1
    for reason in skipped.values():
        summary.methods["skipped"] += 1
        summary.skipped_names[reason] += 1

    edge_ids: set[str] = set()
    for i, row in enumerate(rows):
        if progress and i % 500 == 499:
            progress(500)
        a, b = row["src_agency"], row["external_agency"]
        if a in skipped or b in skipped:
            summary.skipped_rows[f"{skipped.get(a) or skipped.get(b)}"] += 1
            continue
        source_node, target_node = node_of[a], node_of[b]
        if source_node == target_node:
            summary.skipped_rows["both names are one agency (a second account shares with the first)"] += 1
            continue
        edge_id = f"flock:{source_node}:{target_node}"
        if edge_id in edge_ids:
            edge_id = f"{edge_id}:row{row['_row']}"
        edge_ids.add(edge_id)
        layer.edges.append({
            "id": edge_id, "from": source_node, "to": target_node, "data": "licence_plate_reads",
            "mechanism": "database_access", "evidence": "capability", "citation": source["id"],
            "locator": f"row {row['_row']}", "quote": row["_line"], "notes": EDGE_NOTES,
        })
    if progress:
        progress(len(rows) % 500)
    summary.edges = len(layer.edges)

    # The Flock spellings become aliases, so `flowmap reach "Oakland CA PD"` finds the node.
    for name, node_id in node_of.items():
        node_rows[node_id] = also_known_as(node_rows[node_id], name)

    carried.into(layer)
    layer.matches = [m.row() for m in matches.values()]
    layer.matches += [Match(name, parsed[name][1] or "", "", "", "skipped", None, reason).row()
                      for name, reason in skipped.items()]
    layers.write_layer(layer, output)
    return summary
