"""The themes file: load and check it, and match its seed patterns on lemmatised text.

A pattern is either a phrase (matched on lemmas, ignoring case: "change of social worker" also
finds "changes of social workers") or a spaCy Matcher token pattern for gaps and alternatives.
Matching is computed here and returned as values; nothing is written onto the texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import TaxonomyError

_LEMMA_CACHE_SIZE = 200_000  # distinct words whose lemma a matcher remembers

THEME_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    definition: str
    patterns: tuple[str | tuple[Mapping[str, Any], ...], ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    version: str
    themes: tuple[Theme, ...]
    source: str = field(default="", compare=False)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)

    def name_of(self, theme_id: str) -> str:
        return next((theme.name for theme in self.themes if theme.id == theme_id), theme_id)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _freeze(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_freeze(item) for item in value]
    return value


def taxonomy_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Taxonomy:
    """Check a parsed themes file and build a :class:`Taxonomy`; patterns are compiled to prove them."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise TaxonomyError(f"{source}: expected 'version:' and a non-empty list under 'themes:'.")
    if "version" not in raw:
        raise TaxonomyError(f"{source}: add a 'version:' line, so models and reports can say which list they used.")
    themes, seen = [], set()
    for position, entry in enumerate(raw["themes"], start=1):
        where = f"{source}, theme {position}"
        if not isinstance(entry, Mapping):
            raise TaxonomyError(f"{where}: each theme needs id, name, definition and patterns.")
        missing = [key for key in ("id", "name", "definition") if not str(entry.get(key) or "").strip()]
        if missing:
            raise TaxonomyError(f"{where}: missing {', '.join(missing)}.")
        unknown = sorted(set(entry) - {"id", "name", "definition", "patterns"})
        if unknown:
            raise TaxonomyError(f"{where} ('{entry['id']}'): unknown key(s) {', '.join(unknown)}.")
        theme_id = str(entry["id"])
        if not THEME_ID.match(theme_id):
            raise TaxonomyError(f"{where}: id '{theme_id}' must be lower case letters, digits and underscores.")
        if theme_id in seen:
            raise TaxonomyError(f"{where}: duplicate id '{theme_id}'; each theme needs its own id.")
        seen.add(theme_id)
        patterns = []
        for pattern in entry.get("patterns") or []:
            if isinstance(pattern, str) and pattern.strip():
                patterns.append(pattern.strip().lower())
            elif isinstance(pattern, list) and pattern and all(isinstance(token, Mapping) for token in pattern):
                patterns.append(tuple(_freeze(token) for token in pattern))
            else:
                raise TaxonomyError(
                    f"{where} ('{theme_id}'): pattern {pattern!r} is neither a phrase nor a list of token patterns."
                )
        themes.append(Theme(theme_id, str(entry["name"]), str(entry["definition"]), tuple(patterns)))
    taxonomy = Taxonomy(version=str(raw["version"]), themes=tuple(themes), source=source)
    ThemeMatcher(taxonomy)  # compiling is the check that every token pattern is valid spaCy
    return taxonomy


def taxonomy_to_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    """The taxonomy as a themes file would hold it (JSON-safe), so a model card can carry it."""
    return {
        "version": taxonomy.version,
        "themes": [
            {
                "id": theme.id,
                "name": theme.name,
                "definition": theme.definition,
                "patterns": [p if isinstance(p, str) else [dict(token) for token in p] for p in theme.patterns],
            }
            for theme in taxonomy.themes
        ],
    }


def _has_boolean(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_has_boolean(item) for key, item in value.items() if key not in ("OP",))
    if isinstance(value, list):
        return any(isinstance(item, bool) or _has_boolean(item) for item in value)
    return False


def _anchors(pattern: Sequence[Mapping[str, Any]], strings: Any) -> list[frozenset[int]]:
    """For a token pattern, the (hashed) LEMMA or LOWER values each of its required tokens can take,
    where the pattern says: a text with none of one such token's values cannot match the pattern."""
    anchors = []
    for token in pattern:
        spec = {str(key).upper(): value for key, value in token.items()}
        if str(spec.get("OP", "1")) != "1" or len(spec.keys() - {"OP"}) != 1:
            continue
        [(attribute, value)] = [(key, value) for key, value in spec.items() if key != "OP"]
        values = value["IN"] if isinstance(value, Mapping) and set(value) == {"IN"} else [value]
        known = attribute in ("LEMMA", "LOWER") and isinstance(values, list) and values
        if known and all(isinstance(item, str) for item in values):
            anchors.append(frozenset(strings.add(item) for item in values))
    return anchors


def _joined(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token windows (start, end) with overlapping or touching ones joined, in order."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


class ThemeMatcher:
    """Seed patterns of a taxonomy compiled for spaCy; ``match`` returns what each text matched."""

    def __init__(self, taxonomy: Taxonomy):
        from spacy.matcher import Matcher, PhraseMatcher  # spaCy loads here, not with the module

        from pipeline.language import blank_english

        self.taxonomy = taxonomy
        self.nlp = blank_english(lemmatize=True)
        self._lemmas: dict[int, int] = {}  # word (hash) -> its lookup lemma (hash)
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.tokens = Matcher(self.nlp.vocab, validate=True)
        # Per token pattern: its length and, per required token, the LEMMA or LOWER values it may take
        # (hashed); None when a pattern has no such token or no fixed length (windows cannot be used).
        self.anchors: list[tuple[int, list[frozenset[int]]]] | None = []
        for theme in taxonomy.themes:
            phrases = [pattern for pattern in theme.patterns if isinstance(pattern, str)]
            token_patterns = [[dict(token) for token in p] for p in theme.patterns if not isinstance(p, str)]
            if phrases:
                self.phrases.add(theme.id, list(self.nlp.pipe(phrases)))
            for index, pattern in enumerate(token_patterns):
                anchors = _anchors(pattern, self.nlp.vocab.strings)
                fixed = all(str(token.get("OP", token.get("op", "1"))) in ("1", "?") for token in pattern)
                usable = self.anchors is not None and anchors and fixed
                self.anchors = [*self.anchors, (len(pattern), anchors)] if usable else None
                try:
                    self.tokens.add(theme.id, [pattern])
                except (ValueError, KeyError) as error:  # spaCy's MatchPatternError is a ValueError
                    hint = (
                        " YAML reads a bare no, yes, on or off as true/false: put such words in quotes."
                        if _has_boolean(pattern)
                        else ""
                    )
                    raise TaxonomyError(
                        f"{taxonomy.source}: theme '{theme.id}', token pattern {index + 1}: {error}{hint}"
                    ) from error
        # Required value -> the token patterns needing it: a text is searched only for the patterns it has a word of.
        self._anchor_patterns: dict[int, set[int]] = {}
        for index, (_, anchors) in enumerate(self.anchors or []):
            for value in set().union(*anchors):
                self._anchor_patterns.setdefault(value, set()).add(index)

    def docs(self, texts: Iterable[str]) -> Iterator[Any]:
        """The texts as ``nlp.pipe`` makes them (tokens with lookup lemmas), the lemmas looked up once per
        distinct word: spaCy's lemmatizer looks every token up in Python, most of a text's matching time."""
        from spacy.attrs import LEMMA, ORTH

        for text in texts:
            doc = self.nlp.make_doc(text)
            found = doc.to_array([ORTH, LEMMA])
            unset = found[:, 1] == 0  # a tokenizer exception may set a lemma; the lemmatizer keeps it
            if unset.any():
                found[unset, 1] = [self._lemma(orth) for orth in found[unset, 0].tolist()]
                doc.from_array([LEMMA], found[:, 1:])
            yield doc

    def _lemma(self, orth: int) -> int:
        lemma = self._lemmas.get(orth)
        if lemma is None:
            from pipeline.language import lookup_lemma  # loaded with spaCy, as in __init__

            strings = self.nlp.vocab.strings
            lemma = strings.add(lookup_lemma(strings[orth]))
            if len(self._lemmas) < _LEMMA_CACHE_SIZE:
                self._lemmas[orth] = lemma
        return lemma

    def match(self, texts: Iterable[object]) -> list[dict[str, list[str]]]:
        """Per text: theme id -> the matched words (in text order, without repeats)."""
        lowered = ("" if text is None or text != text else str(text).lower() for text in texts)
        results = []
        for doc in self.docs(lowered):
            found: dict[str, list[str]] = {}
            # An empty matcher warns on every call, so only the kinds with patterns are run.
            matches = (list(self.phrases(doc)) if len(self.phrases) else []) + self._token_matches(doc)
            spans = sorted(matches, key=lambda m: m[1])
            for match_id, start, end in spans:
                words = found.setdefault(self.nlp.vocab.strings[match_id], [])
                text = doc[start:end].text
                if text not in words:
                    words.append(text)
            results.append(found)
        return results

    def _token_matches(self, doc: Any) -> list[tuple[int, int, int]]:
        """The token matcher's matches in ``doc``, the matcher run only on windows around the words its
        patterns need (it is slow, and most of a text is far from any such word): every match of a
        pattern holds one of its required tokens and is at most the pattern's length, so it lies in the
        window of that token; windows that overlap are joined, so no match is found twice."""
        if not len(self.tokens):  # an empty matcher warns on every call
            return []
        if self.anchors is None:
            return list(self.tokens(doc))
        from spacy.attrs import LEMMA, LOWER

        needed = self._anchor_patterns
        where: dict[int, list[int]] = {}  # needed value hash -> token positions holding it as LEMMA or LOWER
        for position, (lemma, lower) in enumerate(doc.to_array([LEMMA, LOWER]).tolist()):
            if lemma in needed:
                where.setdefault(lemma, []).append(position)
            if lower != lemma and lower in needed:
                where.setdefault(lower, []).append(position)
        windows = []
        for index in sorted({index for value in where for index in needed[value]}):  # patterns with a word here
            length, anchors = self.anchors[index]
            hits = [sorted({p for value in anchor for p in where.get(value, ())}) for anchor in anchors]
            fewest = min(hits, key=len)
            if all(hits):
                windows += [(max(p - length + 1, 0), min(p + length, len(doc))) for p in fewest]
        matches: list[tuple[int, int, int]] = []
        for start, end in _joined(windows):
            matches += [
                (match_id, start + first, start + last) for match_id, first, last in self.tokens(doc[start:end])
            ]
        return matches

    def label_matrix(self, texts: Sequence[object]) -> list[set[str]]:
        """Per text, the set of theme ids whose patterns matched (the weak labels)."""
        return [set(found) for found in self.match(texts)]
