"""Reads of enforcement records (the selectors layer): scoped to the caller, no writes. A
selector imports models, ``domain`` and other selectors, never ``services`` (import-linter)."""
