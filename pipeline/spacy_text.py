"""spaCy, imported once for the package without letting it pull in torch.

spaCy's layer library (thinc) imports torch whenever torch is installed, which it is beside the optional
sentence-embedding head: a second of CPU per process for layers this package never uses (it runs only
``spacy.blank("en")`` with lookup lemmas and the Matcher). While spaCy is first imported, torch is marked
absent, so thinc records "no torch"; the mark is removed straight after, so a later ``import torch`` (the
embedding head) works as usual. When torch or thinc is already loaded, spaCy is imported as it is.
"""

from __future__ import annotations

import sys


def _import_spacy():  # noqa: ANN202 - returns the spacy module
    if "torch" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" raises ImportError meanwhile
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


spacy = _import_spacy()
from spacy.lang.en.stop_words import STOP_WORDS  # noqa: E402 - after spaCy is imported without torch

__all__ = ["STOP_WORDS", "spacy"]
