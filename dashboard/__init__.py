"""The Dash app: pages lay out and call; views build content; callbacks are registered in one module."""
