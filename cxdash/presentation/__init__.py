"""What the dashboard's pages and the review pack share: number formatting, takeaway sentences,
the pure view functions (scorecard, journey), the heat-map figure and the one Plotly look.

Plotly, never Dash: the review pack is built by the CLI and the scheduler, which must not
import a web framework, and a deck cannot disagree with a page that draws from the same code.
"""
