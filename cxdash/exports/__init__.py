"""Renderings of computed results for people and other tools."""
