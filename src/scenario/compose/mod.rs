//! Compose files, for measuring a service inside its stack (issue 13; not yet wired to `run`):
//! interpolation as the compose tool does it, and the start plan that `depends_on` implies.

pub mod interpolate;
pub mod plan;
