"""Bringing another tool's site in: `site-builder import hugo` (see `importing.hugo`)."""
