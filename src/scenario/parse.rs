//! TOML suite file -> `Suite`, with errors that name the file, line and key.
