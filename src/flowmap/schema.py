"""The shape of a flowmap dataset: files, columns and controlled vocabularies.

This module is the one place the schema is written down.  The loader validates
against it, the CLI lists it, and ``data/datapackage.json`` (the Frictionless
description other tools read) is generated from it, with a test that the
committed file is current, so the two cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Evidence levels, strongest first.  ``--min-evidence reported`` keeps
#: ``documented`` and ``reported`` hops.
EVIDENCE_LEVELS: tuple[str, ...] = ("documented", "reported", "capability")

EVIDENCE_MEANING: dict[str, str] = {
    "documented": "a primary record (a leaked email, an audit, a contract) shows the flow",
    "reported": "a source states that the flow happens, without the primary record",
    "capability": "access exists (a subscription, a contract, co-location), use is not shown",
}

NODE_KINDS: dict[str, str] = {
    "agency": "a local or state government body: police, sheriff, DMV, school district",
    "fusion_center": "a state or regional fusion center",
    "federal_agency": "a federal agency or one of its units (ICE, ERO, HSI, DHS, DOJ, FBI)",
    "vendor": "a company selling surveillance technology or access to it (Motorola, Clearview, Cellebrite)",
    "data_broker": "a company selling personal records (Thomson Reuters CLEAR, TransUnion TLO)",
    "database": "a shared database or data system (a gang database, ICE's Data Analysis System)",
    "group": "a set of agencies the sources describe together, not one body (e.g. 'local police')",
    "account": "an account a record names (a Flock user) whose holder it does not show to be a government "
               "body, vendor or broker: a company, a school, an association, a person, or a name that does not say",
}

DATA_CATEGORIES: dict[str, str] = {
    "licence_plate_reads": "automated licence-plate-reader scans (plate, time, place)",
    "face_recognition_results": "matches returned by a face-recognition search",
    "probe_photos": "a photo of a person sent to be identified or matched",
    "photos": "photos of a person whose origin the source does not give",
    "dmv_photos": "driver's licence and ID photos held by a motor-vehicle agency",
    "driver_records": "driver's licence and vehicle-registration records",
    "identity_address_records": "names, home and last known addresses, relatives, from any source",
    "employer_records": "where a person works",
    "phone_numbers": "telephone numbers linked to a person",
    "social_media": "social-media posts, accounts and open-source information",
    "phone_extractions": "data extracted from a seized phone (e.g. by Cellebrite)",
    "gang_database_entries": "gang-database entries or gang allegations",
    "school_incident_reports": "reports about students after incidents at school",
    "immigration_records": "records held by immigration authorities (e.g. ICE's Data Analysis System)",
    "intelligence_reports": "analytic products: bulletins, portfolios, dossiers on people",
    "database_queries": "search requests and results when the records searched are not named",
    "tips": "tips and reports about individuals",
    "unspecified": "the source says data moved, or could move, but not what data",
}

#: Other ways people write each data category (US spelling, plain words, acronyms).
#: A question accepts these wherever it takes a category (``--carrying``,
#: ``carrying=``); :func:`data_category` also ignores case, spaces, hyphens,
#: underscores and plurals, and "license" for "licence".
DATA_CATEGORY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "licence_plate_reads": ("licence plates", "plates", "plate reads", "plate scans", "lpr", "alpr", "anpr",
                            "lpr data", "alpr data", "licence plate reader data", "plate reader data",
                            "licence plate data", "licence plate scans"),
    "face_recognition_results": ("face recognition", "facial recognition", "facial recognition results",
                                 "face matches", "face recognition matches"),
    "probe_photos": ("probe images",),
    "photos": ("photographs", "pictures"),
    "dmv_photos": ("driver licence photos", "drivers licence photos", "licence photos", "id photos"),
    "driver_records": ("dmv records", "driver licence records", "drivers licence records", "driving records",
                       "vehicle registration records", "registration records"),
    "identity_address_records": ("identity records", "address records", "addresses", "home addresses",
                                 "identity and address records"),
    "employer_records": ("employment records", "employers"),
    "phone_numbers": ("telephone numbers",),
    "social_media": ("social media posts", "osint", "open source information"),
    "phone_extractions": ("phone extraction data", "phone dumps", "cellebrite extractions"),
    "gang_database_entries": ("gang database", "gang databases", "gang database records", "gang allegations"),
    "school_incident_reports": ("school reports",),
    "immigration_records": ("immigration data",),
    "intelligence_reports": ("intelligence", "intel reports", "bulletins"),
    "database_queries": ("queries", "database searches", "search requests"),
    "tips": ("tip line reports",),
    "unspecified": ("unspecified data",),
}


def _category_key(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.casefold().replace("license", "licence").replace("&", " and "))
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


_CATEGORY_KEYS: dict[str, str] = {
    _category_key(text): category
    for category, spellings in DATA_CATEGORY_SPELLINGS.items() for text in (category, *spellings)
}


def data_category(text: str) -> str | None:
    """The data category ``text`` names, however it is written; None if none.

    >>> data_category("license_plate_reads"), data_category("License plates"), data_category("ALPR")
    ('licence_plate_reads', 'licence_plate_reads', 'licence_plate_reads')
    >>> data_category("facial recognition"), data_category("DMV-photos"), data_category("telepathy")
    ('face_recognition_results', 'dmv_photos', None)
    """
    return _CATEGORY_KEYS.get(_category_key(text))


def closest_data_category(text: str) -> str | None:
    """The category whose spelling is nearest ``text`` (for "did you mean"), or None."""
    import difflib

    close = difflib.get_close_matches(_category_key(text), list(_CATEGORY_KEYS), n=1, cutoff=0.6)
    return _CATEGORY_KEYS[close[0]] if close else None


MECHANISMS: dict[str, str] = {
    "formal_agreement": "a written data-sharing agreement or MOU",
    "contract": "a purchase contract giving access to a vendor's system",
    "subscription": "a subscription to a data broker or vendor service",
    "portal": "a request portal or web form",
    "informal_request": "an email or call outside formal channels",
    "assignment": "a person of one agency assigned to work inside another",
    "co_location": "agencies sharing premises",
    "database_access": "direct access to search another body's database",
    "reporting": "routine reports sent to another body",
    "unspecified": "the sources do not say how",
}

JURISDICTION_LEVELS: tuple[str, ...] = ("country", "state", "county", "city", "region")

SANCTUARY_VALUES: tuple[str, ...] = ("yes", "no", "unknown")


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    required: bool = False  # a value must be present in every row
    type: str = "string"  # Frictionless type
    vocabulary: tuple[str, ...] = ()  # allowed values (each item of a list)
    is_list: bool = False  # ';'-separated
    is_date: bool = False  # ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD
    references: str | None = None  # "table.column" this column's values must exist in
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str  # also the file stem: nodes -> nodes.csv
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    optional: bool = False  # a dataset may leave the file out

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SOURCES = Table(
    "sources",
    "The documents that edges cite.",
    (
        Column("id", "stable slug", required=True, unique=True),
        Column("title", "the document's title", required=True),
        Column("publisher", "who published it", required=True),
        Column("date", "publication date", is_date=True),
        Column("url", "where it can be read (http or https)"),
        Column("document", "file name of the stored copy in shared/sources/, if any"),
        Column("sha256", "SHA-256 of the file an importer read (imported layers)"),
        Column("retrieved", "when that file was downloaded or read", is_date=True),
        Column("notes", "anything a reader should know about the source"),
    ),
)

JURISDICTIONS = Table(
    "jurisdictions",
    "Places that agencies serve, and whether a sanctuary law covers them.",
    (
        Column("id", "stable slug, e.g. us-ca or us-ca-san-francisco", required=True, unique=True),
        Column("name", "the jurisdiction's name", required=True),
        Column("level", "country, state, county, city or region", required=True,
               vocabulary=JURISDICTION_LEVELS),
        Column("state", "two-letter state code, for state-level and smaller jurisdictions"),
        Column("part_of", "the jurisdiction that contains this one", references="jurisdictions.id"),
        Column("sanctuary", "yes, no or unknown: whether a sanctuary law covers it",
               required=True, vocabulary=SANCTUARY_VALUES),
        Column("law", "the law or policy that makes it a sanctuary, as the sources name it"),
        Column("citation", "source id supporting the sanctuary status", references="sources.id"),
        Column("locator", "where in the source"),
        Column("quote", "verbatim text from the source supporting the status"),
        Column("notes", "caveats"),
    ),
    optional=True,
)

DESIGNATIONS = Table(
    "designations",
    "A government's designation of a place as a sanctuary jurisdiction (the DOJ list of 2025-08-05). "
    "A designation is not a law: outputs name it apart from the law that covers a place.",
    (
        Column("id", "stable slug", required=True, unique=True),
        Column("jurisdiction", "the designated place", required=True, references="jurisdictions.id"),
        Column("designated_by", "who designated it, e.g. DOJ", required=True),
        Column("date", "when the designation was published", required=True, is_date=True),
        Column("citation", "source id of the designation", required=True, references="sources.id"),
        Column("locator", "where in the source", required=True),
        Column("quote", "verbatim text from the source naming the place", required=True),
        Column("notes", "caveats"),
    ),
    optional=True,
)

NODES = Table(
    "nodes",
    "Agencies, fusion centers, vendors, data brokers and databases.",
    (
        Column("id", "stable slug", required=True, unique=True),
        Column("name", "full name", required=True),
        Column("kind", "what sort of entity", required=True, vocabulary=tuple(NODE_KINDS)),
        Column("aliases", "other names and acronyms, ';'-separated", is_list=True),
        Column("part_of", "the node this one is a unit of (ERO is part of ICE)",
               references="nodes.id"),
        Column("jurisdiction", "the jurisdiction it serves", references="jurisdictions.id"),
        Column("state", "two-letter state code where it is based or serves"),
        Column("county", "the county or counties it serves, ';'-separated (county jurisdictions of the "
               "same state and name cover it)", is_list=True),
        Column("ori", "the FBI's Originating Agency Identifier (nine characters, e.g. CA0380100); "
               "one ORI is one node across every layer", unique=True),
        Column("agency_type", "the agency type as the FBI list gives it (City, County, State Police…)"),
        Column("latitude", "decimal degrees, where the source gives them", type="number"),
        Column("longitude", "decimal degrees, where the source gives them", type="number"),
        Column("citation", "a source that describes it", references="sources.id"),
        Column("notes", "anything a reader should know"),
    ),
)

EDGES = Table(
    "edges",
    "Documented data requests and transfers, pointing the way the data moves.",
    (
        Column("id", "stable slug", required=True, unique=True),
        Column("from", "the node the data leaves", required=True, references="nodes.id"),
        Column("to", "the node the data reaches", required=True, references="nodes.id"),
        Column("requested_by", "who asked for it, when someone did", references="nodes.id"),
        Column("data", "what moved, ';'-separated", required=True, is_list=True,
               vocabulary=tuple(DATA_CATEGORIES)),
        Column("mechanism", "how it moved", required=True, vocabulary=tuple(MECHANISMS)),
        Column("date", "when (YYYY, YYYY-MM or YYYY-MM-DD)", is_date=True),
        Column("evidence", "documented, reported or capability", required=True,
               vocabulary=EVIDENCE_LEVELS),
        Column("hedge", "the source's own hedge ('likely', 'unclear', 'may'), verbatim, if it hedges"),
        Column("excludes", "jurisdiction ids whose data this edge does not carry (a policy "
               "restriction, judged against where a route starts), ';'-separated",
               is_list=True, references="jurisdictions.id"),
        Column("subjects", "jurisdiction ids whose residents the data is about, where the source says "
               "(people tracked in South Dakota, Minnesota and California; South Carolina drivers), "
               "';'-separated; empty when it does not say", is_list=True, references="jurisdictions.id"),
        Column("citation", "source id", required=True, references="sources.id"),
        Column("locator", "footnote, section or page in the source", required=True),
        Column("url", "a link for this edge itself (e.g. the signed agreement), when it has one"),
        Column("quote", "verbatim text from the source supporting the edge (a sentence of at most 300 "
               "characters; an imported record's row)",
               required=True),
        Column("notes", "what the quote does and does not show"),
    ),
)

#: Load order: a table only references tables before it (and itself).
TABLES: tuple[Table, ...] = (SOURCES, JURISDICTIONS, DESIGNATIONS, NODES, EDGES)

#: A quote is a sentence from a document or, in an imported layer, the record's row itself.
#: The curated data keeps its quotes to 300 characters (tests/test_dataset.py checks it).
QUOTE_MAX_CHARS = 1000
CURATED_QUOTE_MAX_CHARS = 300


def _pattern(column: Column) -> str | None:
    if column.vocabulary and column.is_list:
        choice = "|".join(column.vocabulary)
        return f"({choice})( *; *({choice}))*"
    if column.is_date:
        return r"\d{4}(-\d{2}(-\d{2})?)?"
    return None


def datapackage() -> dict:
    """The Frictionless Data Package descriptor for a flowmap dataset.

    ``data/datapackage.json`` is this, written out; a test keeps them equal.
    List columns with a vocabulary become a pattern; list references (``excludes``)
    cannot be said in Frictionless and are checked by flowmap alone.
    """
    resources = []
    for table in TABLES:
        fields = []
        foreign_keys = []
        for column in table.columns:
            spec: dict = {"name": column.name, "type": column.type, "description": column.description}
            constraints: dict = {}
            if column.required:
                constraints["required"] = True
            if column.unique:
                constraints["unique"] = True
            if column.vocabulary and not column.is_list:
                constraints["enum"] = list(column.vocabulary)
            if (pattern := _pattern(column)) is not None:
                constraints["pattern"] = pattern
            if column.name == "quote":
                constraints["maxLength"] = QUOTE_MAX_CHARS
            if constraints:
                spec["constraints"] = constraints
            fields.append(spec)
            if column.references and not column.is_list:
                resource, key = column.references.split(".")
                foreign_keys.append({"fields": column.name, "reference": {
                    "resource": "" if resource == table.name else resource, "fields": key}})
        table_schema: dict = {"fields": fields, "primaryKey": "id", "missingValues": [""]}
        if foreign_keys:
            table_schema["foreignKeys"] = foreign_keys
        resources.append({
            "name": table.name, "path": table.filename, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "description": table.description, "schema": table_schema,
        })
    return {
        "name": "flowmap",
        "title": "flowmap: documented data flows from local agencies to ICE",
        "profile": "tabular-data-package",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": resources,
    }
