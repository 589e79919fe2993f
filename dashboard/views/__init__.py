"""Page content as plain functions of filters and data, called by pages, callbacks and tests."""
