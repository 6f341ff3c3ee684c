"""Orders API: a small FastAPI backend used as dockbench's Python scenario."""

__version__ = "0.1.0"
