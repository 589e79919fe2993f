"""Pure metric functions: tables of counts in, statistics out. No database, no page code."""
