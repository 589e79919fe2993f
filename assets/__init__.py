"""Static files the dashboard serves (USWDS and our CSS/JS). Package data, found through cxdash.paths."""
