"""What a case file holds (DESIGN §6 "The record"), read for the PDF and the ZIP that
``services.case_file`` writes: the contents, each record's rows, the evidence, what a
correction says, and who a redacted copy does not identify."""
