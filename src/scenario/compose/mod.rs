//! Compose files, for measuring a service inside its stack: interpolation as the compose tool
//! does it, the start plan that `depends_on` implies, where each key is, and the stack itself.

pub mod interpolate;
pub mod locate;
pub mod plan;
pub mod stack;

pub use stack::{load_stack, ComposeError, StackSpec};
