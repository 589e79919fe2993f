"""Text pages: about the data, accessibility statement, not found."""
from dash import dcc, html

from cxdash.dashboard.context import current


def about() -> html.Div:
    settings = current().catalogue.settings
    return html.Div([
        html.H1("About the data"),
        dcc.Markdown(f"""
**Source.** Scores come from the OMB Circular A-11 Section 280 customer experience survey,
as reported quarterly by High-Impact Service Providers through GSA Touchpoints, and from
response-level survey uploads.

**How scores are computed.**

* *Mean point scale*: the average answer on the 1-5 scale, sum(k x n_k) / sum(n_k), rounded
  half up to two decimals, as performance.gov publishes it.
* *% agree*: the share of answers of 4 (agree) or 5 (strongly agree). For thumbs up/down
  questions, the share of thumbs up.
* *95% interval*: Wilson score interval for proportions; Student t interval for means.
* *Suppression*: results from fewer than {settings.min_n} responses are not shown (marked
  "Suppressed"), because they are too uncertain to act on.
* *Change*: against the previous fiscal quarter, tested with a two-proportion z test (or
  Welch's t test for means); "significant" means p < {settings.alpha}.
* *Status*: on track when the target for the fiscal year is met; at risk when short of it by
  no more than the measure's margin; off track otherwise.

**How the analyses are computed** (once per data load, not while you browse).

* *Key drivers*: an ordinary least-squares regression of trust (or satisfaction) on the driver
  questions, over the year of responses that ends in the chosen quarter, computed from sums
  the database keeps per quarter (so no answer has to be read again), with classical
  standard errors. Importance is the standardized coefficient with its 95% interval; a driver
  whose interval crosses zero is shown as not significant. Needs response-level answers.
* *Equity*: each customer group is compared with the best-served group of the same comparison
  by a two-proportion z test; p-values are adjusted with Holm's method for the number of
  groups compared; groups with fewer than {settings.min_n} answers are suppressed.
* *Trends*: change on the previous quarter and on the same quarter a year earlier, each
  tested; and the Cochran-Armitage test for a trend over every quarter so far. A change is
  never called up or down without saying whether it is significant.

**Fiscal years** start on 1 October: FY2023 Q1 is October to December 2022.

**Question wording** varies between services; each card shows the wording behind its number.
"""),
    ])


def accessibility() -> html.Div:
    return html.Div([
        html.H1("Accessibility"),
        dcc.Markdown("""
cxdash aims to meet Section 508 and WCAG 2.1 level AA. Every chart has a one-sentence
takeaway and a table with the same numbers; status is shown as text and an icon as well as
color; every control works with a keyboard; no information needs a mouse hover.
Tell the team that runs this dashboard if anything stands in your way.
"""),
    ])


def not_found() -> html.Div:
    return html.Div([
        html.H1("Page not found"),
        html.P(["There is no page at this address. ", html.A("Go to the scorecard", href="/", className="usa-link"), "."]),
    ])
