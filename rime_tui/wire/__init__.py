"""The RI Platform v1 wire format, shared by the client, the local instance and the UI.

- :mod:`rime_tui.wire.constants`: header names, limits and enum values;
- :mod:`rime_tui.wire.text`: the characters that hide or reorder text;
- :mod:`rime_tui.wire.models`: the pydantic models of requests and answers.

This package imports neither textual nor httpx nor fastapi, and only
:mod:`~rime_tui.wire.models` imports pydantic, so the UI can take the
constants without paying for it.
"""
