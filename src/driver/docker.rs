//! bollard-backed implementation of the engine operations dockbench needs.
