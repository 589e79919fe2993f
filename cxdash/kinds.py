"""The kinds of source a loader exists for, and the ways a case can end (a tiny module: the CLI
imports it at start-up; mappings, loaders and queries share the outcomes)."""

SURVEY_KINDS = ("a11-quarterly", "a11-responses", "survey-responses")
MAPPED_KINDS = ("cases", "contacts", "feedback", "employee", "published")
FIXED_KINDS = ("maturity",)  # fixed columns, no mapping
LOAD_KINDS = (*SURVEY_KINDS, *MAPPED_KINDS, *FIXED_KINDS)
# How a terminal status ends a case. Cancelled and duplicate cases were never completed: they stay
# out of time to complete and on-time rate and are counted on their own.
CASE_OUTCOMES = ("completed", "transferred", "cancelled", "duplicate")
NOT_COMPLETED = ("cancelled", "duplicate")
