"""Checking uploaded files, below every app: what a file's bytes are, whether it is within its
size, what it could run (``file_checks``, ``container_checks``), whether an image may be
decoded, and the optional virus scan (``clamav``). Nothing here knows a model: evidence
(``violations.domain.evidence_files``) and a tenant's Form K (``properties.form_k``) each
decide what they accept and store.
"""
