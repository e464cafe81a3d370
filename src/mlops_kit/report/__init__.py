"""Self-contained HTML reports (inline SVG charts) and JUnit XML, built from plain values.

This package imports no primitive: every primitive hands it plain values.
"""

__all__: list[str] = []
