//! Parsing of durations (`"3m"`, `"1.5s"`), sizes (`"600MB"`, `"512MiB"`) and rates (`"80%"`).
