"""Resolve an agency name from a public record to one node: one node per real agency.

Public records name the same agency in many spellings (``Las Vegas Metro NV PD``,
``Las Vegas Metropolitan Police Department``, the FBI's ``Las Vegas Metropolitan
Police Department Police Department``). :class:`Resolver` maps each spelling to
a node of the maps already loaded (curated data and the FBI registry layer), in
this order, stopping at the first step that gives exactly one agency:

1. ``link``: the user's ``--links`` file (see :func:`read_links`) says which node.
2. ``id``, ``ori``, ``name``, ``alias``: the text is a node's id, ORI, name or alias
   (any case), within the state when one is known.
3. ``normalised``: the same name after :func:`normalise` (``PD`` → police department,
   ``SO`` → sheriff's office, ``Co`` → county, ``Twp``, ``DPS``, ``Metro``,
   ``Town of X`` → ``X Town``, the FBI's doubled suffixes, punctuation and spacing),
   within the same state only.
4. ``variant``: a spelling records use for the same body (:meth:`Resolver._variants`):
   ``X Village``/``City``/``Borough`` as ``X``, ``X`` as ``X Town`` when the state has one
   agency of that place, a public-safety department as the police department, ``X SO``
   as ``X County``'s sheriff; guarded so two agencies of one place make it ambiguous.
5. ``fuzzy``: one slip of the keyboard in one word of the place name (:func:`same_words`),
   in the same state *and agency category* (:func:`category`: a sheriff's office never
   matches a police department, a prosecutor never the police), with a rapidfuzz ratio of
   the place names of at least :data:`FUZZY_THRESHOLD`, and no second agency as close.

Nodes that share an ORI are one agency (the curated ``sfpd`` carries ``CA0380100``,
so a name matching the FBI row lands on ``sfpd``). When a step finds several
agencies the name is ``ambiguous``: the resolver never picks between them, the
importer keeps the name as a layer-local node and lists it. Every decision is a
:class:`Match`, written to the layer's ``matches.csv``.

>>> r = Resolver([Candidate("CA0010900", "Oakland Police Department", state="CA", ori="CA0010900"),
...               Candidate("MD0120200", "Oakland Police Department", state="MD", ori="MD0120200")])
>>> r.resolve("Oakland PD", "CA").node_id
'CA0010900'
>>> r.resolve("Oakland Police Department").method
'ambiguous'
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from ..errors import InputError, Problem

#: Lowest rapidfuzz ``ratio`` (0-100) of two place names, without spaces, for a fuzzy
#: match, on top of :func:`same_words`. Measured on the N&O Flock list against the FBI
#: list of 2021 by reading every candidate: true typos scored 88.9-97.1, wrong pairs
#: 76.9-92.3, so the score alone cannot decide; with the one-slip rule, 90 keeps six of
#: the nine true typos and none of the wrong pairs (README, "Importing public records").
FUZZY_THRESHOLD = 90.0

#: Two-letter codes (50 states, DC, territories) and names, for state columns and names.
STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
#: Codes some lists use for a state instead of its USPS code: the FBI's 2018 pull
#: writes Nebraska ``NB`` (its ORIs start with NB in every pull); the FBI writes Guam ``GM``.
STATE_ALIASES: dict[str, str] = {"NB": "NE", "GM": "GU"}
_STATE_BY_NAME = {name.casefold(): code for code, name in STATES.items()}


def state_code(value: str) -> str | None:
    """The two-letter code for a state written as a code or a name, in any case.

    >>> state_code("FLORIDA"), state_code("ca"), state_code("NB"), state_code("Atlantis")
    ('FL', 'CA', 'NE', None)
    """
    text = " ".join(value.split()).strip()
    upper = text.upper()
    if upper in STATES:
        return upper
    if upper in STATE_ALIASES:
        return STATE_ALIASES[upper]
    return _STATE_BY_NAME.get(text.casefold())


_PAREN_STATE = re.compile(r"\(\s*([A-Za-z]{2})\s*\)")
_DASH_STATE = re.compile(r"[-–]\s*([A-Z]{2})\s*$")
_WORD = re.compile(r"[A-Za-z]+")

#: What a two-letter code may abbreviate instead of a state, where it stands in a name (see
#: :func:`read_state`): ``CO`` before a county's office is County (``Grundy CO SO``: a sheriff's office
#: is a county's, and there are Grundy counties in IA, IL, MO and TN, none in Colorado); a final ``SD``
#: after ``County`` is Sheriff's Department (``Lincoln County SD``). Before ``PD`` the Flock list's
#: ``Place ST PD`` stands (``Thornton CO PD``): a police department is a city's.
_COUNTY_OFFICE = re.compile(
    r"\s*(?:(?-i:SO|SD|DA|DAs|DA's|ECC)\b|sh[e]?rr?iff|district attorney|attorney|prosecut|solicitor|"
    r"constable|const\b|jail|detention|commission|dispatch|911|communications|coroner)", re.IGNORECASE)
_COUNTY_WORDS = ("county", "co", "cnty", "parish", "borough")
#: Codes that are English words when written in capitals amid other words in capitals (``NOT IN USE``).
_ENGLISH_CODES = ("IN", "OR", "ME", "OK", "HI", "AS")


@dataclass(frozen=True)
class StateReading:
    """What a name shows of its state (:func:`read_state`).

    ``rest`` is the name without its state code (as written when none was taken
    out); ``state`` the code, or None when the name shows none. ``maybe`` is a
    state the name may show but does not settle: a code that is also an
    abbreviation where it stands (``Grundy CO SO``: County, or Colorado?), read
    as the abbreviation in ``rest`` and as the state in ``maybe_rest``
    (``Grundy SO``); :meth:`Resolver.resolve_maybe` asks the FBI list whether
    both readings agree. ``note`` says why a code was not taken as the state,
    for ``matches.csv`` ('' when nothing needs saying).
    """

    rest: str
    state: str | None
    maybe: str = ""
    note: str = ""
    maybe_rest: str = ""  # the name without the code in doubt (read as the state)


def _not_a_state(word: re.Match, words: list[re.Match], text: str) -> str:
    """Why a capitalised code in a name is not its state there, or '' when it may be."""
    code = word.group()
    index = next(i for i, w in enumerate(words) if w is word)
    after = words[index + 1].group() if index + 1 < len(words) else ""
    before = words[index - 1].group() if index > 0 else ""
    if (after.casefold() in ("county", "parish") or after == "Co") \
            and text[word.end(): words[index + 1].start()].isspace():
        # "LA County": Los Angeles; Louisiana has parishes. A code names no county of its state
        # (a capitalised "CO" after a code is County or Colorado: "Winston Count MS CO").
        return f"{code!r} before {after!r} is part of the county's name, not a state"
    if code in _ENGLISH_CODES and len(before) >= 3 and len(after) >= 3 and before.isupper() and after.isupper():
        return f"{code!r} in '{before} {code} {after}' is a word, not a state"
    return ""


def _county_reading(word: re.Match, words: list[re.Match], text: str) -> str:
    """Why a code may abbreviate a county's office where it stands ('' when it does not)."""
    code = word.group()
    index = next(i for i, w in enumerate(words) if w is word)
    before = words[index - 1].group() if index > 0 else ""
    office = _COUNTY_OFFICE.match(text[word.end():])
    if code == "CO" and office and before and before.casefold() not in _COUNTY_WORDS:
        return (f"'CO' before {office.group().strip()!r} may be County (a sheriff's office, a prosecutor or a "
                "dispatch centre is a county's) or Colorado")
    if code == "SD" and word is words[-1] and before.casefold() in _COUNTY_WORDS:
        return f"'SD' after {before!r} may be Sheriff's Department or South Dakota"
    return ""


def read_state(name: str) -> StateReading:
    """What a name, as the Flock list writes them, shows of its state.

    A state is taken from the name only where the name shows it: in parentheses
    (``Tombstone Marshals Office (AZ)``), after a final dash (``Mendocino County
    SO-CA``), as a capitalised code among the words (``Oakland CA PD``, ``Anderson
    PD IN``, ``CO - Craig PD``), a mixed-case code just before ``PD`` or ``SO``
    (``Crestview Fl PD``), or a state's name (``Ohio State Highway Patrol``, which
    stays in the name). Only capitalised codes count (``Co`` is County). A code
    is not a state where it is part of a county's name (``LA County``) or an
    English word among capitals (``NOT IN USE``); beside another code ``CO`` is
    County, a final ``SD`` Sheriff's Department, a leading ``UT`` the University of
    Texas. Where the only code may abbreviate a county's office (``Grundy CO SO``,
    ``Lincoln County SD``), the name is read as the abbreviation and its state is
    left unknown, with the code kept in ``maybe``. When the codes disagree the
    state is unknown (None).

    >>> [(r.rest, r.state, r.maybe) for r in map(read_state, ["Thornton CO PD", "Grundy CO SO"])]
    [('Thornton PD', 'CO', ''), ('Grundy CO SO', None, 'CO')]
    """
    text = " ".join(name.split())
    found = _PAREN_STATE.search(text)
    if found and state_code(found.group(1)):
        rest = (text[: found.start()] + " " + text[found.end():]).strip(" -")
        return StateReading(" ".join(rest.split()), state_code(found.group(1)))
    found = _DASH_STATE.search(text)
    if found and found.group(1) in STATES:
        return StateReading(text[: found.start()].strip(" -"), found.group(1))
    words = list(_WORD.finditer(text))
    codes = [w for w in words if w.group() in STATES or w.group() in STATE_ALIASES]
    notes = []
    for word in list(codes):
        why = _not_a_state(word, words, text)
        if why:
            notes.append(why)
            codes.remove(word)
    note = "; ".join(notes)
    if len(codes) > 1:
        # ``SD`` last is Sheriff's Department; ``CO`` beside another code is County;
        # a leading ``UT`` is the University of Texas.
        codes = [w for w in codes
                 if not (w.group() == "SD" and w is words[-1])
                 and not (w.group() == "CO")
                 and not (w.group() == "UT" and w is words[0])]
    elif len(codes) == 1:
        word = codes[0]
        why = _county_reading(word, words, text)
        if why:
            other = " ".join((text[: word.start()] + " " + text[word.end():]).split()).strip(" -")
            return StateReading(text, None, state_code(word.group()), "; ".join([*notes, why]), other)
    if not codes:
        # Mixed case before the agency suffix: "Crestview Fl PD".
        if len(words) >= 2 and words[-1].group() in ("PD", "SO") and words[-2].group().upper() in STATES \
                and words[-2].group() not in ("Co",):
            codes = [words[-2]]
    states = {state_code(w.group()) for w in codes}
    if len(states) == 1:
        word = codes[-1]
        rest = (text[: word.start()] + " " + text[word.end():]).strip(" -")
        return StateReading(" ".join(rest.split()), states.pop(), note=note)
    if not codes:
        # A state's name at the start ("Ohio State Highway Patrol"), after "of"
        # ("University of Texas at Tyler PD"), or anywhere ("Eastern Kentucky
        # University PD") unless it names a county, city or township
        # ("Washington Township PD", "Kansas City PD", "Delaware County SO").
        # Longest names first, so "West Virginia" is not read as Virginia.
        spans = []
        for code, state_name in sorted(STATES.items(), key=lambda item: -len(item[1])):
            pattern = rf"\b{state_name}\b(?!\s+(county|co\b|township|twp|city|parish|borough|village|town\b))"
            for hit in re.finditer(pattern, text, re.IGNORECASE):
                if state_name == "Washington" and hit.start() > 0:
                    continue  # George Washington University, Washington Township: not the state
                if not any(hit.start() >= a and hit.end() <= b for a, b, _ in spans):
                    spans.append((hit.start(), hit.end(), code))
        if len({code for _, _, code in spans}) == 1:
            return StateReading(text, spans[0][2], note=note)
    return StateReading(text, None, note=note)


def split_state(name: str) -> tuple[str, str | None]:
    """Split a state code out of a name as the Flock list writes them: :func:`read_state`'s
    rest and state.

    ``Oakland CA PD`` → (``Oakland PD``, ``CA``); ``Tombstone Marshals Office (AZ)``
    → AZ; ``Mendocino County SO-CA`` → CA; a leading state name (``Ohio State
    Highway Patrol``) gives the state and stays in the name; ``Grundy CO SO``
    (County, or Colorado?) gives none.

    >>> split_state("Oakland CA PD")
    ('Oakland PD', 'CA')
    >>> split_state("Camden Co MO SO")
    ('Camden Co SO', 'MO')
    >>> split_state("Los Angeles County CA SD")
    ('Los Angeles County SD', 'CA')
    >>> split_state("Ohio State Highway Patrol")
    ('Ohio State Highway Patrol', 'OH')
    >>> split_state("Grundy CO SO")
    ('Grundy CO SO', None)
    """
    reading = read_state(name)
    return reading.rest, reading.state


_PARENTHESES = re.compile(r"\(([^()]*)\)")


def split_hints(name: str) -> tuple[str, tuple[str, ...]]:
    """Take parenthesised notes out of a name: ``Miami Township PD (Clermont)`` →
    (``Miami Township PD``, (``Clermont``,)). Notes may name a county, which
    :meth:`Resolver.resolve` uses to choose between same-named agencies.

    >>> split_hints("Madison TWP (Franklin CO) PD")
    ('Madison TWP PD', ('Franklin CO',))
    """
    keep = lambda text: text.strip().upper() in ("PD", "SO", "DPS")  # noqa: E731 - "Sringfield IL (PD)"
    hints = tuple(h.strip() for h in _PARENTHESES.findall(name) if h.strip() and not keep(h))
    rest = _PARENTHESES.sub(lambda m: f" {m.group(1)} " if keep(m.group(1)) else " ", name)
    return " ".join(rest.split()).strip(" -"), hints


def county_hint(text: str) -> str:
    """A note reduced to a county name: ``Franklin CO`` → ``franklin``."""
    words = re.sub(r"[^a-z0-9 ]+", " ", _ascii(text).lower()).split()
    while words and words[-1] in ("co", "county", "cnty", "parish"):
        words.pop()
    return " ".join(ABBREVIATIONS.get(w, w) if w in ("st", "mt", "ft") else w for w in words)


# -- normalising ---------------------------------------------------------------

#: Abbreviations spelled out word by word (after lower-casing and dropping punctuation).
ABBREVIATIONS: dict[str, str] = {
    "pd": "police department", "so": "sheriffs office", "sd": "sheriffs department",
    "da": "district attorney", "co": "county", "cnty": "county", "cty": "county",
    "dps": "department of public safety", "twp": "township", "twsp": "township", "metro": "metropolitan",
    "dept": "department", "st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "point",
    "univ": "university", "hwy": "highway", "vlg": "village", "boro": "borough", "bor": "borough",
    "sheriff": "sheriffs", "sheriffs": "sheriffs", "marshals": "marshal", "marshall": "marshal",
    "marshalls": "marshal", "intl": "international", "natl": "national", "pub": "public",
    "sherriffs": "sheriffs", "sherriff": "sheriffs", "ctr": "center", "mtn": "mountain",
    "isd": "independent school district", "const": "constable", "pct": "precinct", "dist": "district",
}

#: Phrases that mean the same agency suffix, rewritten to one spelling (after ABBREVIATIONS).
SUFFIX_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("sheriffs department", "sheriffs office"),
    ("sheriffs dept", "sheriffs office"),
    ("sheriffs office office", "sheriffs office"),
    ("police dept", "police department"),
    ("police department department", "police department"),
    ("public safety department", "department of public safety"),
    ("district attorneys office", "district attorney"),
    ("district attorney office", "district attorney"),
    ("marshal office", "marshal"),
    ("marshal department", "marshal"),
    ("bureau of police", "police department"),
    ("division of police", "police department"),
    ("department of police", "police department"),
    ("police bureau", "police department"),
    ("prosecutors office", "prosecutor"),
    ("prosecutor office", "prosecutor"),
    ("prosecuting attorneys office", "prosecuting attorney"),
)

#: Agency suffixes, longest first: the part of a name after the place.
SUFFIXES: tuple[str, ...] = (
    "department of public safety", "police department", "sheriffs office", "district attorney",
    "marshal", "police", "sheriffs",
)

_PLACE_PREFIXES = ("town of", "village of", "township of", "city of", "borough of")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def normalise(name: str) -> str:
    """A name reduced to the words that identify the agency, one spelling each.

    Lower case, ASCII, ``&`` → and, apostrophes dropped (``Sheriff's`` → sheriffs),
    other punctuation → space, abbreviations spelled out (:data:`ABBREVIATIONS`),
    one spelling per suffix (:data:`SUFFIX_SYNONYMS`), a bare ``sheriffs`` suffix →
    sheriffs office, a doubled suffix once (``… Police Department Police Department``),
    ``Town of X`` → ``X town`` (the FBI writes ``Poughkeepsie Town Police Department``),
    ``City of X`` → ``X``. State codes are not removed here: see :func:`split_state`.

    >>> normalise("Las Vegas Metro PD")
    'las vegas metropolitan police department'
    >>> normalise("Las Vegas Metropolitan Police Department Police Department")
    'las vegas metropolitan police department'
    >>> normalise("Camden Co SO") == normalise("Camden County Sheriff's Office")
    True
    >>> normalise("Town of Poughkeepsie PD"), normalise("Poughkeepsie PD")
    ('poughkeepsie town police department', 'poughkeepsie police department')
    """
    text = _ascii(name).lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    # "at" joins a university to its campus in some spellings only ("University of Texas at Dallas").
    words = [ABBREVIATIONS.get(w, w) for w in text.split() if w != "at"]
    text = " ".join(words)
    for old, new in SUFFIX_SYNONYMS:
        text = re.sub(rf"\b{old}\b", new, text)
    if re.search(r"\bsheriffs$", text):
        text += " office"
    # A doubled suffix, as the FBI list writes some names.
    for suffix in SUFFIXES:
        while text.endswith(f"{suffix} {suffix}"):
            text = text[: -len(suffix) - 1]
    place, suffix = _split_suffix(text)
    for prefix in _PLACE_PREFIXES:
        if place.startswith(prefix + " "):
            rest = place[len(prefix) + 1:]
            kind = prefix.split()[0]
            place = rest if kind == "city" else f"{rest} {kind}"
            break
    return " ".join(f"{place} {suffix}".split())


def _split_suffix(text: str) -> tuple[str, str]:
    for suffix in SUFFIXES:
        if text.endswith(" " + suffix):
            return text[: -len(suffix) - 1], suffix
    return text, ""


def category(normalised: str) -> str:
    """The kind of agency a normalised name names: sheriff, prosecutor, police or other.

    A fuzzy match never crosses categories.

    >>> category(normalise("Camden Co SO")), category(normalise("Camden County PD"))
    ('sheriff', 'police')
    >>> category(normalise("Orleans Parish DA")), category(normalise("Decatur County Schools"))
    ('prosecutor', 'other')
    """
    if "sheriff" in normalised:
        return "sheriff"
    if re.search(r"district attorney|prosecut|attorney general|solicitor|commonwealth attorney", normalised):
        return "prosecutor"
    if re.search(r"\bpolice\b|public safety|\bmarshal\b|\bpatrol\b|\bconstable\b", normalised):
        return "police"
    return "other"


def compact(normalised: str) -> str:
    """The normalised name without spaces, so ``De Witt`` and ``DeWitt`` agree."""
    return normalised.replace(" ", "")


# -- candidates and matches ------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A node a name can resolve to: a curated node or a registry agency.

    ``curated`` nodes win over registry rows with the same ORI, so imported
    names land on the curated id (``sfpd``, not ``CA0380100``).
    """

    id: str
    name: str
    state: str = ""
    ori: str = ""
    kind: str = "agency"
    aliases: tuple[str, ...] = ()
    agency_type: str = ""
    county: str = ""
    curated: bool = False

    @property
    def agency(self) -> str:
        """One agency = one ORI; a node without an ORI is its own agency."""
        return self.ori or self.id


@dataclass(frozen=True)
class Match:
    """One resolution decision: a row of ``matches.csv``.

    ``method`` is link, id, ori, name, alias, normalised or fuzzy when a node was
    found; ambiguous (``candidates`` lists them) or new when none was; skipped
    when the importer left the name out. ``node_id`` is empty until the importer
    gives an unresolved name its layer-local id (:meth:`with_node`).
    """

    input_name: str
    state: str
    node_id: str
    ori: str
    method: str
    score: float | None = None
    reason: str = ""
    candidates: tuple[str, ...] = field(default=())

    RESOLVED = ("link", "id", "ori", "name", "alias", "normalised", "variant", "fuzzy")

    @property
    def resolved(self) -> bool:
        return self.method in self.RESOLVED

    def with_node(self, node_id: str, reason: str | None = None) -> Match:
        return replace(self, node_id=node_id, reason=self.reason if reason is None else reason)

    def row(self) -> dict:
        """The ``matches.csv`` row (:data:`flowmap.importers.layer.MATCH_COLUMNS`)."""
        reason = self.reason
        if self.candidates:
            reason = f"{reason} (candidates: {', '.join(self.candidates)})".strip()
        return {"input_name": self.input_name, "state": self.state, "node_id": self.node_id, "ori": self.ori,
                "method": self.method, "score": "" if self.score is None else f"{self.score:.1f}",
                "reason": reason}


def read_links(path: str | os.PathLike) -> dict[tuple[str, str], str]:
    """Read a ``--links`` file: which node an input name (in a state) is.

    A CSV with columns ``input_name`` (or ``name``), ``node_id`` and optionally
    ``state``; other columns are ignored, so an edited ``matches.csv`` works.
    An empty state applies the link in every state. Keys are
    ``(name casefolded, state or "")``.

    Raises :class:`~flowmap.errors.InputError` naming the file, row and column.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            name_column = "input_name" if "input_name" in header else "name"
            missing = [c for c in (name_column, "node_id") if c not in header]
            if missing:
                raise InputError([Problem(str(path), 1, c, None, "required column is missing from the header "
                                          "(a links file has input_name, state, node_id)") for c in missing])
            links: dict[tuple[str, str], str] = {}
            for number, row in enumerate(reader, start=2):
                name = (row.get(name_column) or "").strip()
                node = (row.get("node_id") or "").strip()
                state_text = (row.get("state") or "").strip()
                if not name or not node:
                    column = name_column if not name else "node_id"
                    raise InputError([Problem(str(path), number, column, None, "is empty")])
                state = state_code(state_text) if state_text else ""
                if state is None:
                    raise InputError([Problem(str(path), number, "state", state_text,
                                              "is not a state code or name")])
                links[name.casefold(), state] = node
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError([Problem(str(path), None, None, None, f"cannot be read as a links CSV: {exc}")]) from None
    return links


class Resolver:
    """Resolve agency names to nodes; see the module docstring for the steps.

    Parameters
    ----------
    candidates
        The nodes names may resolve to: curated nodes (``curated=True``) and
        registry agencies. Nodes with the same ORI are one agency.
    links
        From :func:`read_links`: (name casefolded, state or "") → node id or ORI.
    threshold
        The fuzzy step's minimum score (0-100).
    links_file
        Named in the error when a link points at no node.
    """

    def __init__(self, candidates: Iterable[Candidate], links: dict[tuple[str, str], str] | None = None,
                 threshold: float = FUZZY_THRESHOLD, links_file: str = "--links"):
        self.threshold = threshold
        candidates = list(candidates)
        self._by_agency: dict[str, Candidate] = {}
        self._records: dict[str, Candidate] = {}  # the agency's fullest record (registry row when there is one)
        for candidate in candidates:
            key = candidate.agency
            current = self._by_agency.get(key)
            if current is None or (candidate.curated and not current.curated):
                self._by_agency[key] = candidate
            if key not in self._records or not candidate.curated:
                self._records[key] = candidate
        self._exact: dict[str, dict[str, set[str]]] = {"id": {}, "ori": {}, "name": {}, "alias": {}}
        self._normal: dict[tuple[str, str], set[str]] = {}
        self._by_suffix: dict[tuple[str, str], dict[str, set[str]]] = {}  # (state, suffix) -> place -> agencies
        self._state_of: dict[str, set[str]] = {}
        for candidate in candidates:
            self._index(candidate)
        self.links = {}
        for (name, state), target in (links or {}).items():
            agency = self._agency_of(target)
            if agency is None:
                raise InputError([Problem(links_file, None, "node_id", target,
                                          f"links {name!r} to no node or ORI in the loaded maps")])
            self.links[name, state] = agency

    def _index(self, c: Candidate) -> None:
        agency = c.agency
        self._state_of.setdefault(agency, set()).add(c.state)
        self._exact["id"].setdefault(c.id.casefold(), set()).add(agency)
        if c.ori:
            self._exact["ori"].setdefault(c.ori.casefold(), set()).add(agency)
        self._exact["name"].setdefault(" ".join(c.name.split()).casefold(), set()).add(agency)
        for alias in c.aliases:
            self._exact["alias"].setdefault(" ".join(alias.split()).casefold(), set()).add(agency)
        if not c.state:
            return
        for label in (c.name, *c.aliases, *_registry_variants(c)):
            norm = normalise(label)
            if not norm:
                continue
            key = compact(norm)
            self._normal.setdefault((c.state, key), set()).add(agency)
            place, suffix = _split_suffix(norm)
            self._by_suffix.setdefault((c.state, suffix), {}).setdefault(place, set()).add(agency)

    def _agency_of(self, target: str) -> str | None:
        key = target.strip().casefold()
        for kind in ("id", "ori"):
            found = self._exact[kind].get(key, set())
            if len(found) == 1:
                return next(iter(found))
        return None

    def node_id(self, agency: str) -> str:
        """The id imported rows use for an agency: the curated node's id if one has its ORI."""
        return self._by_agency[agency].id

    def record(self, agency: str) -> Candidate:
        """The fullest record of an agency: its registry row if it has one, else the node."""
        return self._records[agency]

    def node(self, agency: str) -> Candidate:
        """The node imported rows point at (curated when there is one)."""
        return self._by_agency[agency]

    def _in_state(self, agencies: set[str], state: str | None, stateless: bool = True) -> set[str]:
        if not state:
            return agencies
        # Nodes without a state (federal bodies, vendors) are in no state's list; they match
        # a name given whole (``FBI``), not one whose state code was taken out
        # (``WI Department of Justice`` is not the US DOJ).
        return {a for a in agencies
                if state in self._state_of[a] or (stateless and self._state_of[a] <= {""})}

    def _found(self, name: str, state: str | None, agency: str, method: str, score: float | None,
               reason: str) -> Match:
        return Match(name, state or "", self.node_id(agency), self.record(agency).ori, method, score, reason)

    def resolve(self, name: str, state: str | None = None, *, county: str | None = None,
                kind: str | None = None, full_name: str | None = None) -> Match:
        """Resolve ``name`` (in ``state``, when known) to one agency.

        Parameters
        ----------
        name
            The agency's name with any state code already taken out
            (:func:`split_state`) and parenthesised notes moved to ``county``
            (:func:`split_hints`).
        state
            Two-letter code; without one only the exact steps run (never a
            normalised or fuzzy match across states).
        county
            A county name or note (any case; ``Franklin CO`` works) that narrows
            several candidates; it never widens a search.
        kind
            A category hint (sheriff, police, prosecutor, other) for names that
            do not say (``Harris County`` in a column of sheriffs).
        full_name
            The name as the record writes it, tried first by links and exact
            lookups and reported in the match.
        """
        shown = full_name or name
        county = county_hint(county) if county else None
        for key in ((shown.casefold(), state or ""), (shown.casefold(), ""), (name.casefold(), state or ""),
                    (name.casefold(), "")):
            if key in self.links:
                return self._found(shown, state, self.links[key], "link", None, "--links file")
        for label in dict.fromkeys((shown, name)):
            key = " ".join(label.split()).casefold()
            for method in ("id", "ori", "name", "alias"):
                found = self._in_state(self._exact[method].get(key, set()), state, stateless=label == shown)
                if found:
                    return self._choose(shown, state, found, county, method, 100.0,
                                        f"exact {method}" + (f" in {state}" if state else ""))
        if not state:
            return Match(shown, "", "", "", "new", None, "no state: the name gives none, and without one only an "
                         "exact name, alias or id can match")
        norm = normalise(name)
        found = self._normal.get((state, compact(norm)), set())
        if found:
            return self._choose(shown, state, found, county, "normalised", 100.0,
                                f"normalised name {norm!r} in {state}")
        for variant, why, guard in self._variants(norm, state):
            found = self._normal.get((state, compact(variant)), set())
            if not found:
                continue
            if guard is not None:
                others = self._places_starting(state, guard, _split_suffix(variant)[1])
                if len(others - found) > 0:
                    names = sorted(self.node_id(a) for a in others | found)
                    return Match(shown, state, "", "", "ambiguous", None,
                                 f"{why}: {variant!r} is one of several agencies of the place '{guard}' in {state}; "
                                 "not choosing", tuple(names))
            return self._choose(shown, state, found, county, "variant", 100.0, f"{why}: {variant!r} in {state}")
        cat = category(norm)
        if cat == "other" and kind:
            cat = kind
        return self._fuzzy_match(shown, state, norm, cat)

    def resolve_maybe(self, reading: StateReading, *, county: str | None = None,
                      full_name: str | None = None) -> Match:
        """Resolve a name whose only state code may be an abbreviation (:attr:`StateReading.maybe`).

        The name read as the abbreviation (``Grundy CO SO`` as Grundy County's
        sheriff) is looked up in every state, by the exact, normalised and
        variant steps (never fuzzy, which would guess across states). When it
        is an agency of the code's state only, and the name read with the code
        as the state (``Montezuma SO`` in CO) gives no other agency, both
        readings agree and the match is made there. When it is an agency of
        several states, or of another state only, the name does not show which:
        ``ambiguous`` (or ``new`` with one candidate), the candidates listed and
        no state. A ``--links`` row for the name in a state decides.

        >>> r = Resolver([Candidate("IL0320000", "Grundy County Sheriff's Office", state="IL", ori="IL0320000"),
        ...               Candidate("IA0380000", "Grundy County Sheriff's Office", state="IA", ori="IA0380000"),
        ...               Candidate("CO0420000", "Montezuma County Sheriff's Office", state="CO", ori="CO0420000")])
        >>> [r.resolve_maybe(read_state(n)).method for n in ("Grundy CO SO", "Montezuma CO SO")]
        ['ambiguous', 'normalised']
        """
        shown = full_name or reading.rest
        code, note = reading.maybe, reading.note
        hits: dict[str, Match] = {}
        for state in STATES:
            match = self.resolve(reading.rest, state, county=county, full_name=full_name)
            if match.method == "link":
                return match.with_node(match.node_id, f"{match.reason}; {note}")
            if (match.resolved or match.method == "ambiguous") and "fuzzy" not in f"{match.method} {match.reason}":
                hits[state] = match
        norm = normalise(reading.rest)
        if set(hits) == {code} and hits[code].resolved:
            found = hits[code]
            other = self.resolve(reading.maybe_rest, code, county=county, full_name=full_name)
            if not other.resolved or other.node_id == found.node_id or other.method == "fuzzy":
                return found.with_node(found.node_id, f"{found.reason}; {note}: {norm!r} is an FBI-listed agency "
                                       f"in {code} and no other state, so both readings give {code}")
        if hits:
            ids = tuple(sorted({i for m in hits.values() for i in (m.candidates or (m.node_id,))}))
            states = ", ".join(sorted(hits))
            where = states if code in hits else f"{states}, none in {code}"
            return Match(shown, "", "", "", "ambiguous" if len(ids) > 1 else "new", None,
                         f"{note}: {norm!r} is an FBI-listed agency in {where}; the name shows no state, "
                         "not choosing", ids)
        return Match(shown, "", "", "", "new", None,
                     f"{note}: {norm!r} is not an FBI-listed agency in any state; the name shows no state")

    def _choose(self, name: str, state: str | None, found: set[str], county: str | None, method: str,
                score: float | None, reason: str) -> Match:
        if len(found) == 1:
            return self._found(name, state, next(iter(found)), method, score, reason)
        narrowed = self._by_county(found, county)
        if len(narrowed) == 1:
            return self._found(name, state, next(iter(narrowed)), method, score, f"{reason}, narrowed by county "
                               f"{county!r}")
        return self._ambiguous(name, state, found, method)

    def _variants(self, norm: str, state: str) -> list[tuple[str, str, str | None]]:
        """Other spellings to try after the normalised name: (variant, why, guard place).

        With a guard place, the variant counts only if no other agency in the
        state with the same suffix is that place with another qualifier (so
        ``Lancaster PD`` does not become ``Lancaster Town PD`` where ``Lancaster
        Village PD`` also exists).
        """
        place, suffix = _split_suffix(norm)
        words = place.split()
        out: list[tuple[str, str, str | None]] = []
        if not suffix:
            return out
        if "campus" in words:
            kept = [w for w in words if w != "campus"]
            out.append((" ".join([*kept, suffix]), "without 'campus'", None))
            words = kept
            place = " ".join(words)
        if words and "county" not in words and (words[-1] not in QUALIFIERS or len(words) >= 2):
            # "Clarkstown PD" where the FBI lists only "Clarkstown Town PD": the guard
            # makes sure the place has one agency of this kind whatever its qualifier.
            for qualifier in QUALIFIERS:
                out.append((f"{place} {qualifier} {suffix}", f"with '{qualifier}'", place))
        if len(words) >= 2 and words[-1] in ("village", "city", "borough"):
            stem = " ".join(words[:-1])
            # The FBI writes cities, boroughs and most villages bare ("Bellevue Police
            # Department"), and towns and townships with their qualifier.
            out.append((f"{stem} {suffix}", f"without '{words[-1]}'", None))
        if "metropolitan" in words and len(words) >= 2:
            stem = " ".join(w for w in words if w != "metropolitan")
            out.append((f"{stem} {suffix}", "without 'metropolitan'", stem))
        state_words = STATES[state].lower().split()
        if len(words) > len(state_words) and words[-len(state_words):] == state_words:
            stem = " ".join(words[: -len(state_words)])
            out.append((f"{stem} {suffix}", f"without '{STATES[state]}'", None))
        if words and words[-1] == "of":
            out.append((f"{place} {STATES[state].lower()} {suffix}", f"'of' {STATES[state]}", None))
        if suffix == "department of public safety" and "county" not in words and state_code(place) is None:
            out.append((f"{place} police department", "public safety department as police department", place))
        if suffix == "police department" and "county" not in words and state_code(place) is None:
            out.append((f"{place} department of public safety", "police department as public safety department",
                        place))
        if suffix == "sheriffs office":
            area = {"LA": "parish", "AK": "borough"}.get(state, "county")
            if words[-2:] == ["parish", "county"]:
                out.append((f"{' '.join(words[:-1])} {suffix}", "without 'county' after 'parish'", None))
            elif words and words[-1] not in ("county", "parish", "borough"):
                out.append((f"{place} {area} {suffix}", f"sheriff's office of {place} {area}", None))
        state_name = STATES[state].lower()
        if not place.startswith(state_name) and (not words or words[0] in ("department", "state", "highway",
                                                                             "bureau", "office", "division")):
            out.append((f"{state_name} {place} {suffix}".strip(), f"{STATES[state]}'s", None))
        return out

    def _places_starting(self, state: str, stem: str, suffix: str) -> set[str]:
        """Agencies in ``state`` with ``suffix`` whose place is ``stem`` or ``stem`` and a qualifier."""
        places = self._by_suffix.get((state, suffix), {})
        wanted = {stem, *(f"{stem} {q}" for q in QUALIFIERS)}
        return {a for place in wanted & places.keys() for a in places[place]}

    def _by_county(self, agencies: set[str], county: str | None) -> set[str]:
        """The agencies whose county is ``county``; failing that, the one whose county is spelled
        nearly so (``Alleghany`` for Allegheny: it only chooses among names that already match)."""
        if not county:
            return agencies
        counties = {a: {county_hint(c) for c in self.record(a).county.split(";")} for a in agencies}
        exact = {a for a, names in counties.items() if county in names}
        if exact:
            return exact
        close = {a for a, names in counties.items() if any(fuzz.ratio(county, n) >= 85 for n in names)}
        return close if len(close) == 1 else set()

    def _ambiguous(self, name: str, state: str | None, agencies: set[str], method: str) -> Match:
        ids = tuple(sorted(self.node_id(a) for a in agencies))
        return Match(name, state or "", "", "", "ambiguous", None,
                     f"{len(ids)} agencies match by {method}; not choosing", ids)

    def fuzzy_candidates(self, norm: str, state: str, limit: int = 3) -> list[tuple[str, float, set[str]]]:
        """The registry places closest to ``norm``'s, among agencies in ``state`` with its
        suffix: (normalised name, score on the place alone, agencies)."""
        place, suffix = _split_suffix(norm)
        pool = self._by_suffix.get((state, suffix), {})
        if not pool or not place:
            return []
        places = list(pool)
        hits = process.extract(compact(place), [compact(p) for p in places], scorer=fuzz.ratio, limit=limit)
        return [(f"{places[i]} {suffix}".strip(), score, pool[places[i]]) for _, score, i in hits]

    def _fuzzy_match(self, name: str, state: str, norm: str, cat: str) -> Match:
        hits = [h for h in self.fuzzy_candidates(norm, state) if category(h[0]) == cat]
        good = [h for h in hits if h[1] >= self.threshold and same_words(norm, h[0])]
        if not good:
            best = f"; closest {hits[0][0]!r} ({hits[0][1]:.0f})" if hits else ""
            return Match(name, state, "", "", "new", hits[0][1] if hits else None,
                         f"not in the registry for {state} ({cat}){best}")
        agencies = set().union(*(h[2] for h in good))
        if len(agencies) > 1:
            return self._ambiguous(name, state, agencies, "fuzzy name")
        return self._found(name, state, next(iter(agencies)), "fuzzy", good[0][1],
                           f"fuzzy: {norm!r} ~ {good[0][0]!r} in {state}")


#: Words that say what sort of place a name is; "X PD" may be listed as "X Town PD".
QUALIFIERS: tuple[str, ...] = ("town", "village", "city", "borough", "township")

#: Words whose presence or absence makes another place or body, never a spelling variant.
DISTINGUISHING = frozenset(
    "north south east west northern southern eastern western upper lower new old town township city village "
    "county borough port fort mount lake beach heights park hills springs falls junction center centre "
    "university college school schools district state metropolitan parish".split()
)


def same_words(a: str, b: str) -> bool:
    """Whether two normalised names differ by one slip of the keyboard in one word.

    Same words but one, and that one differs by a single letter added, dropped
    or swapped with its neighbour (``Frederecktown`` / ``Fredericktown``,
    ``Sturthers`` / ``Struthers``), not a letter replaced (``Marion`` is not
    ``Martin``, ``Lyndon`` not ``London``: both pairs are real places), not its
    first letter (``Elmore`` is not ``Belmore``), in a word of four letters or
    more, and never a distinguishing word (:data:`DISTINGUISHING`) or a number.

    >>> same_words("springfeild police department", "springfield police department")
    True
    >>> same_words("marion county sheriffs office", "martin county sheriffs office")
    False
    >>> same_words("north las vegas police department", "las vegas police department")
    False
    """
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    pairs = [(x, y) for x, y in zip(wa, wb) if x != y]
    if len(pairs) != 1:
        return False
    x, y = pairs[0]
    if x in DISTINGUISHING or y in DISTINGUISHING or any(ch.isdigit() for ch in x + y):
        return False
    if x[0] != y[0] or min(len(x), len(y)) < 4:
        return False
    if OSA.distance(x, y) != 1:
        return False
    # One edit: an insertion, a deletion or a transposition, not a substitution.
    return len(x) != len(y) or Levenshtein.distance(x, y) == 2


def _registry_variants(c: Candidate) -> list[str]:
    """Other spellings a registry row is known by in the records.

    ``Parent: Unit`` rows are also ``Parent Unit`` and ``Unit Parent``
    (``Independent School District: Alvin`` is the Flock list's ``Alvin ISD``);
    a name with no agency suffix (a university, a transit authority) is also
    that body's police department, as the Flock list writes every account;
    ``X Police Department, Y County`` (the FBI's way to tell same-named
    townships apart) is also ``X Police Department``, so a bare ``X`` finds both
    and is ambiguous unless a county note chooses.
    """
    variants = []
    names = [c.name]
    if ":" in c.name:
        parent, _, unit = c.name.partition(":")
        names += [f"{parent} {unit}", f"{unit} {parent}"]
    found = re.match(r"(.*\S),\s*[^,]+ County$", c.name)
    if found:
        names.append(found.group(1))
    for name in names:
        if name != c.name:
            variants.append(name)
        if not _split_suffix(normalise(name))[1]:
            variants.append(f"{name} Police Department")
    return variants


def candidates_from_rows(rows: Iterable[dict], *, curated: bool) -> list[Candidate]:
    """Candidates from node rows (dicts with the nodes.csv columns; missing ones read empty)."""
    out = []
    for row in rows:
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
        out.append(Candidate(
            id=row["id"], name=row.get("name") or "", state=row.get("state") or "", ori=row.get("ori") or "",
            kind=row.get("kind") or "agency", aliases=aliases, agency_type=row.get("agency_type") or "",
            county=row.get("county") or "", curated=curated))
    return out
