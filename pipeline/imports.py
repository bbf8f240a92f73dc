"""Libraries imported without letting them pull in torch, which they import only because it is installed.

torch is installed beside the optional sentence-embedding head, and two libraries every scoring command
needs import it whenever it is there: spaCy's layer library (thinc) for layers this package never uses, and
skops, whose list of trusted types walks every scikit-learn module, down to its torch array adapter. That
is over two seconds of CPU per process. While such a library is first imported, a finder refuses torch, so
the library records "no torch"; the finder is removed straight after, so a later ``import torch`` (the
embedding head) works as usual. When torch is already loaded the library is imported as it is.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
from types import ModuleType


class _RefuseTorch(importlib.abc.MetaPathFinder):
    """An import finder under which ``import torch`` fails as if torch were not installed."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {fullname!r} (not imported by this package)", name=fullname)
        return None


def import_without_torch(name: str) -> ModuleType:
    """The module ``name``, imported (when it is not yet) while torch cannot be imported."""
    if name in sys.modules or "torch" in sys.modules:
        return importlib.import_module(name)
    import sklearn  # noqa: F401 - imported first, as usual: it asks for torch only if torch is loaded

    finder = _RefuseTorch()
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(name)
    finally:
        sys.meta_path.remove(finder)


spacy = import_without_torch("spacy")
STOP_WORDS: frozenset[str] = frozenset(import_without_torch("spacy.lang.en.stop_words").STOP_WORDS)

__all__ = ["STOP_WORDS", "import_without_torch", "spacy"]
