"""Small, pure Dash component functions in the U.S. Web Design System (USWDS) look.

Each returns a Dash component tree (no callbacks, no data access), so pages
compose them and tests check their output. Styles: assets/uswds/ (vendored
USWDS) and assets/zz-cxdash/cxdash.css (ours, loads after USWDS).
"""

from cxdash.dashboard.components.banner import gov_banner
from cxdash.dashboard.components.bottom_line_table import bottom_line_table
from cxdash.dashboard.components.chart_with_table import chart_with_table
from cxdash.dashboard.components.data_table import data_table
from cxdash.dashboard.components.filter_bar import dropdown, filter_bar, service_options
from cxdash.dashboard.components.freshness_tag import freshness_tag
from cxdash.dashboard.components.header import site_header
from cxdash.dashboard.components.heat_map import heat_map
from cxdash.dashboard.components.identifier import identifier
from cxdash.dashboard.components.measure_card import measure_card
from cxdash.dashboard.components.page_export import page_export
from cxdash.dashboard.components.saved_as import saved_as
from cxdash.dashboard.components.skip_link import skip_link
from cxdash.dashboard.components.sparkline import sparkline, sparkline_figure
from cxdash.dashboard.components.status_tag import status_tag
from cxdash.dashboard.components.takeaway import takeaway

__all__ = [
    "bottom_line_table",
    "chart_with_table",
    "data_table",
    "dropdown",
    "filter_bar",
    "freshness_tag",
    "gov_banner",
    "heat_map",
    "identifier",
    "measure_card",
    "page_export",
    "saved_as",
    "service_options",
    "site_header",
    "skip_link",
    "sparkline",
    "sparkline_figure",
    "status_tag",
    "takeaway",
]
