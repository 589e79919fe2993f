"""Errors a user can fix: the CLI prints them as one line, never a traceback."""


class UserError(Exception):
    """Bad input or configuration, with a message naming what and where."""
