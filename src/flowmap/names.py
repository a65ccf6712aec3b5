"""Names as people type them: words, abbreviations and close spellings.

When a name matches no node exactly, :class:`Suggester` ranks the nodes by the
words their names and aliases share with it, after expanding the abbreviations
a reporter or analyst types (``SF``, ``LA``, ``PD``, ``SO``, ``DA``, ``Bay
Area``…).  Shared words count by how rare they are in the map: "San Francisco"
says more than "police", so ``SF police`` suggests the San Francisco Police
Department before Boston's.  A whole-name spelling match (rapidfuzz) catches
typos such as ``SFDP``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

#: Abbreviations and the words they stand for.  Applied to the typed name and to
#: every node's labels alike, so an alias "SFPD" and a name "San Francisco
#: Police Department" meet in the middle.
ABBREVIATIONS: dict[str, str] = {
    "sf": "san francisco",
    "la": "los angeles",
    "nyc": "new york city",
    "ny": "new york",
    "dc": "washington dc",
    "dept": "department",
    "dmv": "department motor vehicles",
    "ice": "immigration customs enforcement",
    "dhs": "homeland security",
    "fbi": "federal bureau investigation",
    "doj": "justice",
    "lpr": "licence plate reader",
    "alpr": "automated licence plate reader",
    "cops": "police",
    "sheriffs": "sheriff",
    "license": "licence",
    "norcal": "northern california",
    "socal": "southern california",
}
#: Phrases standing for a region, expanded before the words are split.  The Bay
#: Area is the heart of the Northern California fusion center's area.
PHRASES: dict[str, str] = {
    "bay area": "bay area northern california",
    "fusion center": "fusion center intelligence",
    "intelligence center": "intelligence center fusion",
}
#: Agency abbreviations, expanded only as a name's last word or in a compound
#: (``Alameda County DA``, ``LASD``): elsewhere ``SD`` is South Dakota, ``so`` a word.
AGENCY_ABBREVIATIONS: dict[str, str] = {
    "pd": "police department",
    "so": "sheriff office",
    "sd": "sheriff department",
    "da": "district attorney",
}
#: A compound such as ``SFPD`` or ``LASD``: a known place abbreviation and an agency one.
_COMPOUND = re.compile(r"^(sf|la|ny|nyc|dc)(pd|so|sd|da)$")
STOP_WORDS = frozenset({"the", "of", "and", "for", "in", "a", "an", "at", "to", "us", "s"})
#: Below this rapidfuzz ratio (0-100) a whole-name spelling match is not offered.
SPELLING_CUTOFF = 70
#: Word-level spelling match ("Fransisco"): ratio and shortest word it applies to.
WORD_CUTOFF = 85
WORD_MIN_LENGTH = 5


def words(text: str) -> list[str]:
    """The words of a name after expanding abbreviations, lower case, singular.

    >>> words("SF police")
    ['san', 'francisco', 'police']
    >>> words("SFPD"), words("LA PD")
    (['san', 'francisco', 'police', 'department'], ['los', 'angeles', 'police', 'department'])
    >>> words("SD fusion center")
    ['sd', 'fusion', 'center', 'intelligence']
    >>> words("Colorado’s fusion centers")
    ['colorado', 'fusion', 'center', 'intelligence']
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = " ".join(re.findall(r"[a-z0-9]+", text))
    for phrase, expansion in PHRASES.items():
        text = re.sub(rf"\b{phrase}s?\b", expansion, text)
    out: list[str] = []
    split = text.split()
    for position, word in enumerate(split):
        compound = _COMPOUND.match(word)
        parts = [compound.group(1), compound.group(2)] if compound else [word]
        for part in parts:
            expansion = ABBREVIATIONS.get(part, part)
            if part in AGENCY_ABBREVIATIONS and (compound or (position == len(split) - 1 and position > 0)):
                expansion = AGENCY_ABBREVIATIONS[part]
            for w in expansion.split():
                w = _singular(w)
                if w not in STOP_WORDS and w not in out:
                    out.append(w)
    return out


#: Place names that end in "s" without being plurals.
NOT_PLURAL = frozenset({"angeles", "texas", "vegas", "kansas", "arkansas", "illinois", "moines", "paso",
                        "orleans", "las", "los", "cruces", "christus", "news"})


def _singular(word: str) -> str:
    if word in NOT_PLURAL:
        return word
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Suggester:
    """Ranks nodes for a name that matched none exactly.

    Parameters
    ----------
    labels : iterable of (node id, label)
        Every id, name and alias of every node.
    """

    def __init__(self, labels: Iterable[tuple[str, str]]):
        self.labels: list[tuple[str, str]] = list(labels)
        self._words = [frozenset(words(label)) for _, label in self.labels]
        frequency: dict[str, set[str]] = {}
        for (node, _), ws in zip(self.labels, self._words):
            for w in ws:
                frequency.setdefault(w, set()).add(node)
        nodes = len({node for node, _ in self.labels}) or 1
        # Rare words weigh more (inverse document frequency, over nodes).
        self._weight = {w: math.log((nodes + 1) / len(found)) + 0.1 for w, found in frequency.items()}
        self._vocabulary = [w for w in self._weight if len(w) >= WORD_MIN_LENGTH]
        self._folded = [label.casefold() for _, label in self.labels]
        self._first: dict[str, int] = {}
        for position, (node, _) in enumerate(self.labels):
            self._first.setdefault(node, position)  # ties keep the data's order

    def suggest(self, name: str, limit: int = 5, within: set[str] | None = None) -> list[str]:
        """Node ids for ``name``, best first: most (and rarest) shared words, then spelling.

        ``within``: when given, only these nodes (those of a place the name names).
        """
        typed = set(words(name))
        # A misspelt word counts as the word it is close to ("Fransisco").
        for w in list(typed):
            if w not in self._weight and len(w) >= WORD_MIN_LENGTH:
                match = process.extractOne(w, self._vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF)
                if match:
                    typed.add(match[0])
        scores: dict[str, float] = {}
        for (node, _), label_words in zip(self.labels, self._words):
            if within is not None and node not in within:
                continue
            shared = typed & label_words
            if shared:
                score = sum(self._weight[w] for w in shared)
                scores[node] = max(scores.get(node, 0.0), score)
        spelling: dict[str, float] = {}
        for _, ratio, i in process.extract(name.strip().casefold(), self._folded, scorer=fuzz.ratio,
                                           score_cutoff=SPELLING_CUTOFF, limit=limit * 3):
            node = self.labels[i][0]
            if within is not None and node not in within:
                continue
            spelling[node] = max(spelling.get(node, 0.0), ratio)
        best = max(scores.values(), default=0.0)
        # Keep word matches at least half as strong as the best: one shared
        # common word ("police") is no suggestion when a rare one matched.
        # Whole-name spelling is the fallback, for names with no word in common (``SFDP``).
        kept = {n for n, score in scores.items() if score >= best / 2} or set(spelling)
        order = sorted(kept, key=lambda n: (-round(scores.get(n, 0.0), 6), -spelling.get(n, 0.0), self._first[n]))
        return order[:limit]
