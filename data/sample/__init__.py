"""Sample data shipped with cxdash for the demo and the tests (see PROVENANCE.md). Package data,
found through cxdash.paths; sources.yaml names these files as sample:NAME."""
