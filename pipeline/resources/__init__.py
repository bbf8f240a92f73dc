"""Data files shipped with the package (name lists for redaction)."""
