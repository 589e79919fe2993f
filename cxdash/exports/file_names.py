"""Download file names that say what is inside: service, what it shows, quarter
(vba-contact-center-trust-fy2023-q1.png), in lower-case letters, digits and hyphens only, so a
name survives every file system, mail filter and slide library it is dropped into."""
from __future__ import annotations

import re
from collections.abc import Iterable

from cxdash.channels import ALL


def slug(text: str | None, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")[:limit].strip("-")


def period(quarter: str | None = None, year: str | None = None) -> str | None:
    """FY2023Q1 -> fy2023-q1; a year alone (FY2023) -> fy2023; anything else -> None."""
    found = re.fullmatch(r"FY(\d{4})(?:Q([1-4]))?", (quarter or year or "").strip().upper().replace(" ", ""))
    if not found:
        return None
    return f"fy{found[1]}" + (f"-q{found[2]}" if found[2] else "")


def scope(provider: str | None, service: str | None, services: Iterable = ()) -> str | None:
    """The service shown as its catalogue id (vba-contact-center) when it has one, else its name;
    the provider when no one service is chosen; None for everything."""
    if service and service != ALL:
        known = next((s.id for s in services if s.name == service and provider in (None, "", ALL, s.provider)), None)
        return known or slug(service, 40)
    return slug(provider, 40) if provider and provider != ALL else None


def stem(scope_part: str | None, subject: str, period_part: str | None) -> str:
    """scope-subject-period, each part optional but the subject ("chart" when it has no letters)."""
    parts = [scope_part, slug(subject, 50) or "chart", period_part]
    return "-".join(p for p in parts if p)[:120].strip("-")
