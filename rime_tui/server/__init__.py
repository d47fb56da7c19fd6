"""The embedded RI-compatible local instance. This package never imports textual."""
