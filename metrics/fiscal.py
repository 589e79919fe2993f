"""Federal fiscal calendar: the fiscal year starts 1 October (FY2026 Q1 = Oct-Dec 2025)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

_LABEL = re.compile(r"^\s*FY\s*(\d{4})\s*-?\s*Q\s*([1-4])\s*$", re.IGNORECASE)


@total_ordering
@dataclass(frozen=True)
class FiscalQuarter:
    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"fiscal quarter must be 1-4, got {self.quarter}")

    @classmethod
    def parse(cls, label: str) -> FiscalQuarter:
        """Parse 'FY2022Q3' (also 'FY2022 Q3', 'fy2022-q3')."""
        match = _LABEL.match(label or "")
        if not match:
            raise ValueError(f"not a fiscal quarter: {label!r} (expected like FY2022Q3)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of_date(cls, day: dt.date) -> FiscalQuarter:
        """The fiscal quarter a calendar date falls in."""
        year = day.year + 1 if day.month >= 10 else day.year
        quarter = ((day.month - 10) % 12) // 3 + 1
        return cls(year, quarter)

    @classmethod
    def from_index(cls, index: int) -> FiscalQuarter:
        """Inverse of ``index``: quarters counted from year 0, so differences are quarter gaps."""
        return cls(index // 4, index % 4 + 1)

    @property
    def index(self) -> int:
        return self.year * 4 + self.quarter - 1

    @property
    def start(self) -> dt.date:
        month = (9 + 3 * (self.quarter - 1)) % 12 + 1
        year = self.year - 1 if self.quarter == 1 else self.year
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        start = self.start
        month = start.month + 2
        return dt.date(start.year, month, calendar.monthrange(start.year, month)[1])

    def next(self, n: int = 1) -> FiscalQuarter:
        return self.previous(-n)

    def previous(self, n: int = 1) -> FiscalQuarter:
        return FiscalQuarter.from_index(self.index - n)

    @property
    def label(self) -> str:
        return f"FY{self.year}Q{self.quarter}"

    @property
    def display(self) -> str:
        return f"FY{self.year} Q{self.quarter}"

    def __lt__(self, other: FiscalQuarter) -> bool:
        return (self.year, self.quarter) < (other.year, other.quarter)

    def __str__(self) -> str:
        return self.label
