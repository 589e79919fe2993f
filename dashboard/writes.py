"""What a page says when a write to the database fails for a reason not the user's: another
writer held SQLite past its busy timeout ("database is locked"), the server went away, or the
database refused the change or its audit event. The page shows the message beside the form and
leaves the form as it was, so nothing typed is lost; the full error goes to the log."""
from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

BUSY = ("the database is busy with another change (such as a data load) and did not answer in time. "
        "What you typed is still in the form: please try again in a minute.")
FAILED = ("the database could not be written to. What you typed is still in the form: please try again, "
          "and tell your administrator if it keeps failing.")


def not_written(exc: DBAPIError, what: str) -> str:
    """The sentence for a failed write (after "Not saved: "), logged with its cause."""
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    log.error("%s not written: %s", what, reason)
    return BUSY if "locked" in reason.lower() or "busy" in reason.lower() else FAILED
