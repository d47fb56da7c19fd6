"""The Textual user interface. It reaches the cluster only through rime_tui.api."""
