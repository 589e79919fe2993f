"""Errors a user can fix: the CLI prints them as one line, never a traceback."""


class UserError(Exception):
    """Bad input or configuration, with a message naming what and where."""


class FieldError(UserError):
    """A value that cannot be stored: which field and why (a loader keeps both on the rejected row)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason
