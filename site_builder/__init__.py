"""site-builder: a static site generator for bilingual news archives."""

from __future__ import annotations

__version__ = "0.1.0"
