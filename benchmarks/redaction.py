"""Redaction on the fictional PII corpus (tests/corpora/pii): strict recall per type and false removals.

An identifier counts as caught only if no token of it survives in the output. Original and output
are aligned token by token (difflib); a token survives when it sits in an unchanged run. False
removals are the ordinary words (letter tokens outside every identifier span) that did not survive,
as a share of all ordinary words, overall and on the texts with no identifier.

The corpus is split by position: every fifth text (index 4, 9, 14...) is held out. The redactor's
rules were written while looking only at misses on the other four fifths; the held-out figures are
the honest ones.

The old redaction (``replace_names(redact(text))`` as label-issues used it, from the commit before
this redactor, read with ``git show``) runs in the same pass when git is at hand.

    PYTHONPATH=. .venv/bin/python -m benchmarks.redaction [--misses]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pipeline.language import WORD, replace_names
from pipeline.privacy import Redactor

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpora" / "pii" / "pii_corpus.jsonl"
OLD_COMMIT = "ce00416"  # the last commit with the sentence-dropping quotes and pattern-only names
HELD_OUT_EVERY = 5
TOKEN = re.compile(r"\w+")
LETTERS = re.compile(r"[^\W\d_]+")
STRUCTURED = ("PHONE", "EMAIL", "POSTCODE", "NHS_NO", "NI_NO", "DOB", "ADDRESS", "CASE_REF")
TARGETS = {"structured": 0.98, "names": 0.92, "false_removals": 0.03}


def load_corpus(path: Path = CORPUS) -> list[dict]:
    """The corpus records (text and identifier spans), in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def held_out(index: int) -> bool:
    """True for the texts kept out of rule writing (every fifth)."""
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def surviving_tokens(text: str, output: str) -> list[tuple[int, int, bool]]:
    """Each token of ``text`` as (start, end, survives in ``output``)."""
    before = list(TOKEN.finditer(text))
    after = [m.group() for m in TOKEN.finditer(output)]
    kept = [False] * len(before)
    matcher = difflib.SequenceMatcher(None, [m.group() for m in before], after, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            kept[block.a + k] = True
    return [(m.start(), m.end(), kept[i]) for i, m in enumerate(before)]


def score(records: list[dict], redact: Callable[[str], str]) -> dict:
    """Strict recall per type, and false removals overall and on texts with no identifier."""
    found: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    words = removed = clean_words = clean_removed = 0
    for record in records:
        text, spans = record["text"], record["identifiers"]
        tokens = surviving_tokens(text, redact(text))
        for span in spans:
            inside = [kept for start, end, kept in tokens if start < span["end"] and span["start"] < end]
            found[span["type"]] += 1
            caught[span["type"]] += not any(inside)
        for start, end, kept in tokens:
            if not LETTERS.fullmatch(text[start:end]):
                continue
            if any(start < span["end"] and span["start"] < end for span in spans):
                continue
            words += 1
            removed += not kept
            if not spans:
                clean_words += 1
                clean_removed += not kept
    structured = [t for t in STRUCTURED if found[t]]
    return {
        "texts": len(records),
        "identifiers": sum(found.values()),
        "recall": {kind: round(caught[kind] / found[kind], 4) for kind in sorted(found)},
        "found": dict(sorted(found.items())),
        "recall_structured": round(sum(caught[t] for t in structured) / max(1, sum(found[t] for t in structured)), 4),
        "recall_names": round(caught["NAME"] / max(1, found["NAME"]), 4),
        "false_removals": round(removed / max(1, words), 4),
        "false_removals_no_identifiers": round(clean_removed / max(1, clean_words), 4),
        "ordinary_words": words,
    }


def old_redaction(records: list[dict]) -> Callable[[str], str] | None:
    """``replace_names(redact(text))`` of the commit before this redactor, or None without git."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:pipeline/privacy.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    old = types.ModuleType("old_privacy")
    exec(compile(source, "old_privacy.py", "exec"), old.__dict__)  # noqa: S102 - our own file at a fixed commit
    sys.modules.setdefault("old_privacy", old)
    counts: Counter[str] = Counter()
    for record in records:  # label-issues' known words: written in lower case in 3 or more texts
        counts.update({w for w in WORD.findall(old.mask(record["text"])) if w.islower()})
    known = frozenset(w for w, n in counts.items() if n >= 3)
    return lambda text: replace_names(old.redact(text), known, "[NAME]")


def misses(records: list[dict], redactor: Redactor) -> list[str]:
    """Lines describing each miss and false removal on the development part (never the held-out part)."""
    lines = []
    for index, record in enumerate(records):
        if held_out(index):
            continue
        text = record["text"]
        out = redactor.redact(text)
        tokens = surviving_tokens(text, out)
        for span in record["identifiers"]:
            if any(kept for s, e, kept in tokens if s < span["end"] and span["start"] < e):
                lines.append(
                    f"MISS {span['type']}: {span['value']!r} | {text[max(0, span['start'] - 40) : span['end'] + 30]!r}"
                )
        for s, e, kept in tokens:
            inside = any(s < sp["end"] and sp["start"] < e for sp in record["identifiers"])
            if not kept and not inside and LETTERS.fullmatch(text[s:e]):
                lines.append(f"FALSE: {text[s:e]!r} | {text[max(0, s - 40) : e + 30]!r}")
    return lines


def run() -> dict:
    """Both redactions on the development part, the held-out part and the whole corpus."""
    records = load_corpus()
    parts = {
        "held_out": [r for i, r in enumerate(records) if held_out(i)],
        "development": [r for i, r in enumerate(records) if not held_out(i)],
        "all": records,
    }
    redactor = Redactor()
    started = time.perf_counter()
    results = {"new": {name: score(part, redactor.redact) for name, part in parts.items()}}
    seconds = time.perf_counter() - started
    old = old_redaction(records)
    if old is not None:
        results["old"] = {name: score(part, old) for name, part in parts.items()}
    results["targets"] = TARGETS
    results["seconds_new_three_passes"] = round(seconds, 2)
    return results


def markdown(results: dict) -> str:
    """The results as a table per part, new and old side by side."""
    lines = [
        "# Redaction benchmark",
        "",
        "`PYTHONPATH=. .venv/bin/python -m benchmarks.redaction` on `tests/corpora/pii/pii_corpus.jsonl` (fictional).",
        "Strict recall: an identifier is caught only if no token of it survives. False removals: ordinary words",
        "(outside every identifier) removed or replaced, as a share of all ordinary words. Held out: every fifth",
        "text, never looked at while the rules were written. Old: `replace_names(redact(text))` at "
        f"{OLD_COMMIT} (label-issues).",
        f"Targets: structured recall >= {TARGETS['structured']}, names >= {TARGETS['names']}, "
        f"false removals <= {TARGETS['false_removals']}.",
        "",
    ]
    for part in ("held_out", "development", "all"):
        new = results["new"][part]
        old = results.get("old", {}).get(part)
        lines += [
            f"## {part.replace('_', ' ')} ({new['texts']} texts, {new['identifiers']} identifiers)",
            "",
            "| measure | new | old |",
            "|---|---:|---:|",
        ]
        rows = [
            (f"recall {k} (n={new['found'][k]})", new["recall"][k], old and old["recall"][k]) for k in new["recall"]
        ]
        rows += [
            ("recall, structured", new["recall_structured"], old and old["recall_structured"]),
            ("recall, names", new["recall_names"], old and old["recall_names"]),
            ("false removals", new["false_removals"], old and old["false_removals"]),
            (
                "false removals, texts with no identifier",
                new["false_removals_no_identifiers"],
                old and old["false_removals_no_identifiers"],
            ),
        ]
        lines += [f"| {name} | {a:.3f} | {'' if b is None else f'{b:.3f}'} |" for name, a, b in rows]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Write benchmarks/redaction.md and .json (or, with --misses, list the development part's errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list misses and false removals (development part)")
    args = parser.parse_args()
    if args.misses:
        sys.stdout.write("\n".join(misses(load_corpus(), Redactor())) + "\n")
        return
    results = run()
    here = Path(__file__).resolve().parent
    (here / "redaction.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (here / "redaction.md").write_text(markdown(results), encoding="utf-8")
    sys.stdout.write(markdown(results))


if __name__ == "__main__":
    main()
