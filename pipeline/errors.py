"""The errors an analyst can fix, in one light module: the command line turns each into a plain message
and exit code 2 (3 for a refused model) without importing the libraries that raise them."""

from __future__ import annotations


class ConfigError(ValueError):
    """The params file is missing a key, has an unknown one, or holds a value of the wrong kind."""


class InputFileError(ValueError):
    """A file cannot be read: wrong type, missing, or not a table."""


class DataContractError(ValueError):
    """The file cannot be used at all (for example a required column is missing)."""


class TaxonomyError(ValueError):
    """The themes file cannot be used; the message names the theme and the problem."""


class ModelContractError(ValueError):
    """A saved model whose card does not say what the model needs (or says something else)."""


class ReportError(ValueError):
    """The report cannot be built as asked (for example the year is not in the file)."""


class RegistryError(LookupError):
    """A registry address that does not name a model version (or the registry has no such version)."""


class ModelIntegrityError(RuntimeError):
    """A model file does not match the SHA-256 its model card recorded."""


# What an analyst can put right (exit 2); ModelIntegrityError is a refusal (exit 3), not in this list.
USER_ERRORS = (
    ConfigError,
    InputFileError,
    DataContractError,
    TaxonomyError,
    ModelContractError,
    ReportError,
    RegistryError,
)
