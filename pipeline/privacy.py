"""Identifiers out of complaint text, wherever text leaves the pipeline or becomes a feature.

One :class:`Redactor` finds identifier *spans* (the rest of the sentence is kept) and serves every
exit: report quotes, label-issues files, drift terms, the words behind a suggestion (through the
model's masking), MLflow artefacts and ``complaints redact``.

- ``redact`` writes readable placeholders: ``[PHONE]``, ``[EMAIL]``, ``[POSTCODE]``, ``[NHS_NO]``,
  ``[NI_NO]``, ``[DOB]``, ``[ADDRESS]``, ``[CASE_REF]``, and ``[NAME_1]``, ``[NAME_2]``... one number per
  person within a text (a surname alone takes the number of the full name it belongs to).
- ``mask`` writes one-token placeholders (``xxname``, ``xxphone``...) for the model's features, and
  masks every date as well, so the fitted vocabulary never holds one.

Structured identifiers are found by patterns (phones in UK formats, emails, postcodes, NHS numbers with
their mod-11 check, National Insurance numbers, dates of birth after a cue, street addresses, case
references from ``privacy.case_ref_patterns`` plus built-in formats). Names are found without a trained
model: word tokens are looked up in a packaged gazetteer (``pipeline/resources/names``), titles and
cues ("Mrs", "my son", "social worker", "called", "her name is") mark the next word as a name,
hyphenated and lower-case names are looked up part by part, and names that are ordinary words (Will,
Rose, May, Grace) need a cue, a neighbouring name or a capital in mid-sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

from pipeline.imports import STOP_WORDS

NAME_KINDS = ("first_names", "surnames", "word_names", "not_names")
# Kinds in order of precedence: an earlier kind's span wins any overlap with a later one.
KINDS = ("email", "dob", "nhs_no", "ni_no", "case_ref", "phone", "postcode", "address", "date", "name")
PLACEHOLDERS = {
    "email": "EMAIL",
    "dob": "DOB",
    "nhs_no": "NHS_NO",
    "ni_no": "NI_NO",
    "case_ref": "CASE_REF",
    "phone": "PHONE",
    "postcode": "POSTCODE",
    "address": "ADDRESS",
    "date": "DATE",
    "name": "NAME",
}

# Built-in case reference formats; a council adds its own with privacy.case_ref_patterns.
DEFAULT_CASE_REF_PATTERNS: tuple[str, ...] = (
    r"\b[A-Z]{2,6}\d?[-/ ]?(?:19|20)\d\d[-/ ]\d{2,7}\b",  # CSC/2023/00417, COMP-2024-0912, CF 2021 118, STG2/2019/614
    r"\b[A-Z]{1,6}[-/]?\d{5,}(?:[-/]\d+)*\b",  # CSC-110001, ABC123456, LAC12345
    r"\b[A-Z]{2,4}/\d{3,6}/\d{2,6}\b",  # CP/2014/0123, CC/1103/25
    r"\b\d{2}/\d{4,6}/[A-Z]{2,4}\b",  # 19/04412/CP
    r"\b[A-Z]{2,4}\d{2,4}[-/]\d{3,6}\b",  # AB12-3456
    r"\b[A-Z]{2,4}[-/]\d{2}[-/]\d{3,6}\b",  # CIN-20-6469, CP/20/5587
)
# After a cue ("case number", "ref:", "Mosaic ID"), any code holding four or more digits.
_CUED_REFERENCE = re.compile(
    r"\b(?:case|ref|reference|mosaic|lcs|eclipse|liquidlogic|complaint|file|client|person|child|id)"
    r"(?:\s+(?:no|number|id|ref|reference|is))*\.?\s*[:#.]?\s*"
    r"(?P<value>(?=[\w/-]*\d[\w/-]*\d[\w/-]*\d[\w/-]*\d)(?![12]\d{3}\b)[A-Za-z0-9][A-Za-z0-9/-]{3,}[A-Za-z0-9])",
    re.IGNORECASE,
)
# A case system's number named earlier in the sentence: "Her Mosaic ID, according to the letter, is 1426105".
_DISTANT_REFERENCE = re.compile(
    r"\b(?:mosaic|lcs|eclipse|liquidlogic|case|reference|ref)\s+(?:id|no|number|ref|reference)\b[^.\n]{0,60}?"
    r"\b(?:is|was|reads)\s*:?\s*(?P<value>\d{5,})\b",
    re.IGNORECASE,
)

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUMERIC_DATE = r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?(?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
_WRITTEN_DATE = (
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{4}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
_DATE = re.compile(rf"\b(?:{_NUMERIC_DATE}|{_WRITTEN_DATE})\b", re.IGNORECASE)
_DOB_CUE = re.compile(
    r"\b(?:d\.?\s?o\.?\s?b\b\.?|dates?\s+of\s+birth|born|birthday|b\.(?=\s*\d)|dob|gave\s+birth"
    r"|had\s+(?:my|her|our|the|a)\s+(?:baby|son|daughter|twins?))",
    re.IGNORECASE,
)
_BRACKETED_DATE = re.compile(rf"\(\s*((?:{_NUMERIC_DATE}|{_WRITTEN_DATE}))\s*\)", re.IGNORECASE)
_LIST_GAP = re.compile(r"(?:\s*,\s*|\s+and\s+|\s*;\s*)?")
_DOB_WINDOW = 40  # characters between the cue and the date

_STREET_TYPES = (
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Cl|Drive|Dr|Way|Court|Ct|Crescent|Cres|Place|Pl|Gardens|Gdns|"
    r"Grove|Gr|Terrace|Ter|Walk|Green|Park|Square|Sq|View|Rise|Mews|Hill|Row|Parade|Vale|Croft|Fold|Gate|"
    r"Meadow|Meadows|Bank|Villas|Cottages|Heights|Wharf|Yard|Crossing|Chase|Boulevard|Approach|Side|Wynd|Pleasant)"
)
_ADDRESS = re.compile(
    r"\b(?:(?i:Flat|Apartment|Apt|Unit|Room)\s+\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]+\s+(?:House|Court|Lodge|"
    r"Mansions|Point|Tower|Building),?\s+)?)?"
    rf"\d{{1,4}}[A-Za-z]?,?\s+(?:(?:[A-Z][\w'’-]+|St\.?|of|the)\s+){{1,3}}(?i:{_STREET_TYPES})\b\.?",
)
_ADDRESS_LOWER = re.compile(
    rf"\b(?:(?:flat|apartment|apt|unit|room)\s+\d{{1,4}}[a-z]?,?\s+)?\d{{1,4}}[a-z]?,?\s+[a-z][\w'-]+\s+(?:[a-z][\w'-]+\s+)?{_STREET_TYPES}\b",
    re.IGNORECASE,
)
_NOT_STREET_WORDS = frozenset({"family", "youth", "crown", "county", "magistrates", "high court", "the", "times"})

_EMAIL = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w+/])(?:\+\s?44\s?(?:\(0\)\s?)?|0044\s?|\(0|0)\d(?:[ \-.)]{0,2}\(?\d){8,9}(?![\w/])")
_NHS = re.compile(r"(?<![\w/-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w/-])")
_NHS_CUE = re.compile(r"\bnhs\b", re.IGNORECASE)
_NI = re.compile(r"\b[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D]\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.IGNORECASE)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
POSSESSIVE = re.compile(r"['’]s?$", re.IGNORECASE)
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "cllr", "councillor", "sir", "dame", "prof", "professor", "master"}
)
# Words after which the next word (capitalised, or any word of the lists) is a name.
_CUE_PHRASES = (
    "my son",
    "my daughter",
    "my child",
    "my grandson",
    "my granddaughter",
    "my grandaughter",
    "my nephew",
    "my niece",
    "my brother",
    "my sister",
    "my partner",
    "my husband",
    "my wife",
    "my ex",
    "my boy",
    "my girl",
    "my baby",
    "my mum",
    "my dad",
    "our son",
    "our daughter",
    "son",
    "daughter",
    "grandson",
    "granddaughter",
    "stepson",
    "stepdaughter",
    "nephew",
    "niece",
    "brother",
    "sister",
    "baby",
    "social worker",
    "worker",
    "caseworker",
    "key worker",
    "keyworker",
    "team manager",
    "manager",
    "officer",
    "advocate",
    "carer",
    "foster carer",
    "teacher",
    "head teacher",
    "headteacher",
    "iro",
    "sw",
    "senco",
    "pa",
    "called",
    "named",
    "name is",
    "name's",
    "names are",
    "name was",
    "spoke to",
    "spoken to",
    "speak to",
    "emailed",
    "rang",
    "phoned",
    "told",
    "asked",
    "from",
    "and",
    "with",
    "cc",
    "dear",
    "regards",
    "thanks",
    "sincerely",
    "faithfully",
    "signed",
    "child",
    "young person",
    "yp",
    "mother",
    "father",
    "mum",
    "dad",
    "nan",
    "grandma",
    "grandad",
    "aunt",
    "auntie",
    "uncle",
)
# Cues weak enough that they only mark a word of the lists (not any capitalised word).
_WEAK_CUES = frozenset(
    {"from", "and", "with", "cc", "told", "asked", "rang", "phoned", "emailed", "spoke to", "spoken to", "speak to"}
)
_CUE_WORDS = max(len(cue.split()) for cue in _CUE_PHRASES)
_CUES = frozenset(_CUE_PHRASES)  # looked up for most capitalised words: a set, not a scan of the list
_CUE_LAST_WORDS = frozenset(phrase.split()[-1] for phrase in _CUE_PHRASES)
_KIND_CACHE_SIZE = 200_000  # distinct words whose gazetteer kind a redactor remembers
_PLACE_WORDS = frozenset(
    {
        "house",
        "court",
        "road",
        "street",
        "avenue",
        "lane",
        "close",
        "centre",
        "center",
        "school",
        "academy",
        "college",
        "hall",
        "park",
        "team",
        "unit",
        "ward",
        "hospital",
        "surgery",
        "primary",
        "nursery",
        "lodge",
        "campus",
        "estate",
        "way",
        "drive",
        "gardens",
        "place",
        "hub",
        "service",
        "services",
        "project",
        "church",
        "mosque",
        "library",
        "hill",
        "green",
    }
)


class Span(NamedTuple):
    """An identifier in a text: where it starts and ends (end exclusive) and its kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Gazetteer:
    """Lower-case name lists: given names, surnames, names that are also words, and words never names."""

    first: frozenset[str]
    surnames: frozenset[str]
    word_names: frozenset[str]
    not_names: frozenset[str]

    @classmethod
    def packaged(cls) -> Gazetteer:
        """The lists shipped in ``pipeline/resources/names`` (see the README there)."""
        folder = resources.files("pipeline.resources.names")
        lists = {kind: _read_list(folder.joinpath(f"{kind}.txt").read_text(encoding="utf-8")) for kind in NAME_KINDS}
        return cls(
            first=lists["first_names"],
            surnames=lists["surnames"],
            word_names=lists["word_names"],
            not_names=lists["not_names"],
        )

    def kind(self, word: str) -> str:
        """ "name" (a name whatever its case), "word" (a name that is also a word), "guard" or ""."""
        key = word.lower()
        if key in self.not_names:
            return "guard"
        if key in self.word_names:
            return "word"
        if key in self.first or key in self.surnames:
            return "name"
        parts = re.split(r"[-'’]", key)
        if len(parts) > 1 and all(part in self.first or part in self.surnames for part in parts if len(part) > 1):
            return "name"
        return ""


def _read_list(text: str) -> frozenset[str]:
    words: set[str] = set()
    for line in text.splitlines():
        words.update(word.lower() for word in line.split("#", 1)[0].split())
    return frozenset(words)


def nhs_check_digit_ok(digits: str) -> bool:
    """True when the tenth digit of a ten-digit NHS number is its mod-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


class Redactor:
    """Finds identifier spans and replaces them; built once and cached on the objects that use it."""

    def __init__(self, case_ref_patterns: Iterable[str] = (), gazetteer: Gazetteer | None = None, names: bool = True):
        self.case_refs = [re.compile(p) for p in (*DEFAULT_CASE_REF_PATTERNS, *case_ref_patterns)]
        empty = frozenset[str]()
        self.gazetteer = gazetteer or (Gazetteer.packaged() if names else Gazetteer(empty, empty, empty, empty))
        self.names = names
        self._kinds: dict[str, str] = {}  # word -> gazetteer kind: words recur across texts

    # -- finding ----------------------------------------------------------------------------------

    def spans(self, text: str, dates: bool = False) -> list[Span]:
        """Every identifier of ``text``, in order, never overlapping (``dates``: every date too)."""
        taken: list[Span] = []
        has_digit = any(map(str.isdigit, text))
        for kind in KINDS:
            if kind == "name":
                found = self._names(text, taken) if self.names else []
            elif kind == "date" and not dates or not has_digit and kind != "email":
                continue
            else:
                found = getattr(self, f"_{kind}")(text)
            for span in sorted(found, key=lambda s: (s.start - s.end, s.start)):  # the longest first
                if span.end > span.start and not any(span.start < t.end and t.start < span.end for t in taken):
                    taken.append(span)
        return sorted(taken)

    def _email(self, text: str) -> list[Span]:
        return [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)] if "@" in text else []

    def _dob(self, text: str) -> list[Span]:
        """Dates after a cue ("DOB", "born on", "dates of birth:", several in a row), and dates in brackets."""
        found = [Span(m.start(1), m.end(1), "dob") for m in _BRACKETED_DATE.finditer(text)]
        for cue in _DOB_CUE.finditer(text):
            match = _DATE.search(text, cue.end(), cue.end() + _DOB_WINDOW + 30)
            while match and match.start() - cue.end() <= _DOB_WINDOW:
                found.append(Span(match.start(), match.end(), "dob"))
                following = _DATE.match(text, match.end() + len(_LIST_GAP.match(text, match.end()).group()))
                if not _LIST_GAP.match(text, match.end()).group() or following is None:
                    break
                match, cue = following, match
        return found

    def _nhs_no(self, text: str) -> list[Span]:
        found = []
        for m in _NHS.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            cued = _NHS_CUE.search(text, max(0, m.start() - 30), m.start()) is not None
            if nhs_check_digit_ok(digits) or (cued and not digits.startswith("0")):
                found.append(Span(m.start(), m.end(), "nhs_no"))
        return found

    def _ni_no(self, text: str) -> list[Span]:
        return [Span(m.start(), m.end(), "ni_no") for m in _NI.finditer(text)]

    def _case_ref(self, text: str) -> list[Span]:
        found = [Span(m.start(), m.end(), "case_ref") for pattern in self.case_refs for m in pattern.finditer(text)]
        found += [Span(m.start("value"), m.end("value"), "case_ref") for m in _CUED_REFERENCE.finditer(text)]
        found += [Span(m.start("value"), m.end("value"), "case_ref") for m in _DISTANT_REFERENCE.finditer(text)]
        return sorted(found, key=lambda s: (s.start, -s.end))

    def _phone(self, text: str) -> list[Span]:
        return [Span(m.start(), m.end(), "phone") for m in _PHONE.finditer(text)]

    def _postcode(self, text: str) -> list[Span]:
        return [Span(m.start(), m.end(), "postcode") for m in _POSTCODE.finditer(text)]

    def _address(self, text: str) -> list[Span]:
        found = []
        for pattern in (_ADDRESS, _ADDRESS_LOWER):
            for m in pattern.finditer(text):
                words = {w.lower() for w in _WORD.findall(m.group())}
                if not words & _NOT_STREET_WORDS:
                    found.append(Span(m.start(), m.end(), "address"))
        return found

    def _date(self, text: str) -> list[Span]:
        return [Span(m.start(), m.end(), "date") for m in _DATE.finditer(text)]

    def _names(self, text: str, taken: Sequence[Span]) -> list[Span]:
        """Name spans: gazetteer words, words after a cue, and names that are words beside a name."""
        words = list(_WORD.finditer(text))
        if taken:  # spans never overlap: the one that could hold a word starts at or before it
            starts, ends = [t.start for t in taken], [t.end for t in taken]
            words = [m for m in words if (k := bisect_right(starts, m.start()) - 1) < 0 or m.start() >= ends[k]]
        if not words:
            return []
        written = [w.group() for w in words]
        shouting = sum(word.isupper() for word in written) > len(words) / 2
        lookups = [POSSESSIVE.sub("", word) if "'" in word or "’" in word else word for word in written]
        kinds = [self._kind(word) for word in lookups]
        # Only words with a capital or on a list can be names (or make one): the rest are passed over.
        candidates = [i for i, word in enumerate(lookups) if kinds[i] or word[:1].isupper()]
        for i in candidates:  # "Tylers mum": a name with a possessive s and no apostrophe
            word = lookups[i]
            if not kinds[i] and word.endswith("s") and self.gazetteer.kind(word[:-1]) == "name":
                kinds[i] = "name"
        is_name = [False] * len(words)
        for i in candidates:
            word = lookups[i]
            capital = word[:1].isupper() and (not word.isupper() or shouting or len(word) > 1)
            if kinds[i] == "name":
                is_name[i] = not (word.isupper() and not shouting and len(word) <= 3)
                continue
            if not kinds[i] and not capital:
                continue  # most words: lower case and in no list, never a name
            cue = self._cue_before(words, i, text)
            if kinds[i] == "name":
                is_name[i] = not (word.isupper() and not shouting and len(word) <= 3)
            elif cue is not None:
                strong = cue not in _WEAK_CUES
                lower = word.lower()
                if kinds[i] == "word":
                    is_name[i] = capital or (lower not in STOP_WORDS and strong)
                elif kinds[i] == "guard":
                    is_name[i] = strong and capital and lower in self.gazetteer.word_names
                else:
                    is_name[i] = strong and capital and lower not in STOP_WORDS and not shouting
            elif (
                kinds[i] == "word"
                and capital
                and not shouting
                and not (i == 0 or _sentence_break(text[words[i - 1].end() : words[i].start()]))
            ):
                following = lookups[i + 1].lower() if i + 1 < len(lookups) else ""
                is_name[i] = word.lower() in self.gazetteer.first and following not in _PLACE_WORDS
        # Names that are words, and unknown capitalised words, next to a name: "Grace Okafor", "Tyler Wood".
        for _ in range(2):
            for i in candidates:
                word = lookups[i]
                if is_name[i] or kinds[i] == "guard" or not (word[:1].isupper()):
                    continue
                for j in (i - 1, i + 1):
                    if 0 <= j < len(words) and is_name[j] and _adjacent(text, words, min(i, j)):
                        following = lookups[i + 1].lower() if i + 1 < len(lookups) else ""
                        if kinds[i] == "word" or (
                            word.lower() not in STOP_WORDS and following not in _PLACE_WORDS and not shouting
                        ):
                            is_name[i] = following not in _PLACE_WORDS
                            break
        # A word taken for a name once is a name wherever it is capitalised in the text ("Sunny says").
        named = {lookups[i].lower() for i in candidates if is_name[i]}
        for i in candidates if named else ():
            word = lookups[i]
            if not is_name[i] and word[:1].isupper() and word.lower() in named and kinds[i] != "guard":
                is_name[i] = True
        spans: list[Span] = []
        for i, match in enumerate(words):
            if not is_name[i]:
                continue
            end = match.start() + len(lookups[i]) if lookups[i] != match.group() else match.end()
            if spans and _adjacent(text, words, i - 1) and is_name[i - 1]:
                spans[-1] = Span(spans[-1].start, end, "name")
            else:
                spans.append(Span(match.start(), end, "name"))
        return spans

    def _kind(self, word: str) -> str:
        """:meth:`Gazetteer.kind`, remembered per word."""
        found = self._kinds.get(word)
        if found is None:
            found = self.gazetteer.kind(word)
            if len(self._kinds) < _KIND_CACHE_SIZE:
                self._kinds[word] = found
        return found

    def _cue_before(self, words: Sequence[re.Match[str]], i: int, text: str) -> str | None:
        """The cue phrase just before word ``i`` ("my son", "mrs", "called"), or None."""
        if i == 0:
            return None
        gap = text[words[i - 1].end() : words[i].start()]
        if len(gap) > 3 or "\n" in gap or (gap.strip() not in ("", ".", ",", ":", "-")):
            return None
        previous = words[i - 1].group().lower()
        if previous in _TITLES and gap.strip() in ("", "."):
            return "title"
        if gap.strip() not in ("", ",", ":", "-") or previous not in _CUE_LAST_WORDS:
            return None  # every cue phrase ends with the word just before
        phrases = [previous]  # the one, two... words before, longest tried first
        for j in range(i - 2, max(i - _CUE_WORDS, 0) - 1, -1):
            phrases.append(f"{words[j].group().lower()} {phrases[-1]}")
        return next((phrase for phrase in reversed(phrases) if phrase in _CUES), None)

    # -- replacing --------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` with each identifier replaced by a readable placeholder ([NAME_1], [PHONE]...)."""
        if not isinstance(text, str) or not text:
            return text
        people: dict[str, int] = {}
        parts, last = [], 0
        for span in self.spans(text):
            value = text[span.start : span.end]
            label = f"[NAME_{self._person(value, people)}]" if span.kind == "name" else f"[{PLACEHOLDERS[span.kind]}]"
            parts += [text[last : span.start], label]
            last = span.end
        parts.append(text[last:])
        return "".join(parts)

    @staticmethod
    def _person(value: str, people: dict[str, int]) -> int:
        """One number per person: a name seen before, or a part of one ("Shah" of "Priya Shah")."""
        key = value.lower()
        if key not in people:
            parts = key.replace("-", " ").split()
            earlier = [n for known, n in people.items() if set(parts) <= set(known.replace("-", " ").split())]
            people[key] = earlier[0] if earlier else max(people.values(), default=0) + 1
        return people[key]

    def mask(self, text: str) -> str:
        """``text`` with each identifier, and every date, replaced by a one-token placeholder (xxphone)."""
        if not isinstance(text, str) or not text:
            return text
        parts, last = [], 0
        for span in self.spans(text, dates=True):
            parts += [text[last : span.start], f" xx{span.kind.replace('_', '')} "]
            last = span.end
        parts.append(text[last:])
        return "".join(parts)

    def redact_all(self, texts: Iterable[object]) -> list[object]:
        """:meth:`redact` on each text; anything that is not text (a missing value) is passed through."""
        return [self.redact(text) if isinstance(text, str) else text for text in texts]


def _sentence_break(gap: str) -> bool:
    return any(mark in gap for mark in '.!?\n:;"“(')


def _adjacent(text: str, words: Sequence[re.Match[str]], i: int) -> bool:
    """True when word ``i`` and word ``i + 1`` are separated by one space (or a hyphen)."""
    return i + 1 < len(words) and text[words[i].end() : words[i + 1].start()] in (" ", "-")
