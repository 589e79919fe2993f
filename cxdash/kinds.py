"""The kinds of source a loader exists for (a tiny module: the CLI imports it at start-up)."""

SURVEY_KINDS = ("a11-quarterly", "a11-responses", "survey-responses")
MAPPED_KINDS = ("cases", "contacts", "feedback", "employee", "published")
FIXED_KINDS = ("maturity",)  # fixed columns, no mapping
LOAD_KINDS = (*SURVEY_KINDS, *MAPPED_KINDS, *FIXED_KINDS)
