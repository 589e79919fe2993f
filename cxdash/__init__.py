"""cxdash: the executive customer-experience performance dashboard for public services."""
__version__ = "0.1.0"
