"""A page exported to PowerPoint (the scorecard, the Service drivers page): a short deck of the
view the page shows, built on the server from its own stored results.

Nothing the browser sends is drawn: only the filter values come from the page, and they are
resolved as the page resolves them (within the person's grants: a value outside them falls back
to their own scope), then checked again (permissions.check "download"), like a review pack's
download. Each export counts against the person's download limit (dashboard/limits.py).
"""
from __future__ import annotations

from dash import dcc, no_update

from cxdash import permissions
from cxdash.dashboard.context import current
from cxdash.dashboard.limits import limited
from cxdash.dashboard.sign_in import required_principal
from cxdash.dashboard.views import scorecard_page, service_page
from cxdash.exports import page_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard
from cxdash.review.assemble import assemble

# page -> (component id prefix, the filter dropdowns whose values the export reads)
PAGES = {"scorecard": ("scorecard", ("filter-quarter", "filter-provider", "filter-service", "filter-channel")),
         "service": ("service", ("service-quarter", "service-provider", "service-service"))}


def _filters(page: str, query: dict) -> scorecard.Filters:
    if page == "scorecard":
        return scorecard_page.resolved_filters(query)[0]
    return service_page.resolved_filters(query)[0]


def deck_download(page: str, quarter=None, provider=None, service=None, channel=None) -> tuple:
    """(dcc.Download data, status sentence) for the page's Export button."""
    refused = limited("exports", "PowerPoint export")
    if refused is not None:
        return no_update, refused
    query = {"quarter": quarter, "provider": provider or scorecard.ALL, "service": service or scorecard.ALL,
             "channel": channel or scorecard.ALL}
    filters = _filters(page, query)
    if not filters.quarter or filters.provider == scorecard.NOTHING_GRANTED:
        return no_update, "There is nothing to export for these filters."
    permissions.check(required_principal(), "download", filters.provider, filters.service)
    ctx = current()
    contents = assemble(ctx.engine, ctx.catalogue, FiscalQuarter.parse(filters.quarter), filters.provider,
                        filters.service, channel=filters.channel)
    name = page_deck.file_name(contents, page, ctx.catalogue.services)
    return (dcc.send_bytes(page_deck.build(contents, page), name, type=page_deck.MEDIA_TYPE),
            f"Saved {name}: {contents.filters_text}.")
