"""Glue shared by the single-service pages (Journey, Service drivers, Equity, Customer voice,
Operations): the catalogue, the person's grants and the cached ranking of services worst first,
around cxdash.presentation.one_service."""
from __future__ import annotations

import pandas as pd

from cxdash.channels import ALL
from cxdash.dashboard import data
from cxdash.dashboard.context import current
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import one_service, scorecard

ONE_SERVICE_NOTE = ("One service at a time: the page opens on the service a scorecard card links from, else on the "
                    "one furthest off track; choose another in the filters.")


@data.cache.memoize()
def _ranked(version: str, quarter: str | None) -> list[tuple[str, str]]:
    results = data.scope_results(ALL, ALL, ALL)
    return one_service.services_worst_first(current().catalogue, results,
                                            FiscalQuarter.parse(quarter) if quarter else None)


def ranked(quarter: str | None, version: str | None = None) -> list[tuple[str, str]]:
    """Every catalogue service, the furthest off track in ``quarter`` first."""
    return _ranked(version or data.data_version(), quarter)


def resolved(query: dict, options: pd.DataFrame, version: str | None = None,
             channel: bool = False) -> tuple[scorecard.Filters, scorecard.Choices]:
    """One catalogue service from the address or the dropdowns, within the person's grants (see
    one_service.resolved); the quarter decides which service is furthest off track."""
    version = version or data.data_version()
    return one_service.resolved(query, options, current().catalogue, lambda quarter: ranked(quarter, version),
                                scope=data.scope(), channel=channel)
