//! Command line: clap definitions and their conversion into validated settings.
