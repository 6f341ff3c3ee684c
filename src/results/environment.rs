//! `environment.json`: the host (via sysinfo), the engine and dockbench itself.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {}
