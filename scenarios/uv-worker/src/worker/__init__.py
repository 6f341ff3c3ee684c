"""A background worker: takes JSON jobs from a spool directory and runs their handlers."""

__version__ = "0.1.0"
