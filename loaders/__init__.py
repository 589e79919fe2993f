"""Loaders read a source file, validate every row, and write good rows in one transaction."""
