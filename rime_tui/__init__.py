"""rime-tui: manage RI Platform API access tokens from the terminal."""

__version__ = "0.1.0"
