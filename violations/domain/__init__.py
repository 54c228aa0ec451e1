"""The rules enforcement follows, as code that runs no query: the BC rule pack (dates and
limits), the transition table, bylaw file parsing, PDF rendering and what an evidence file is.
Models sit below; selectors and services build on it."""
