//! Why a phase could not be measured. The variant's `error` in the results is this, displayed.

/// A phase that failed: the build, the engine, dockbench's private copy, or the container.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// The builder's own words (failing step, exit code, last output lines).
    #[error("{0}")]
    Build(String),
    #[error("after edit `{edit}`: {source}")]
    Edit {
        edit: String,
        #[source]
        source: Box<MeasureError>,
    },
    /// An engine call that should have worked did not.
    #[error("{0:#}")]
    Engine(anyhow::Error),
    /// The private copy of the context: copying, editing or packing it.
    #[error("{0:#}")]
    Context(anyhow::Error),
    #[error("{failure}{}", logs_section(.logs))]
    Run { failure: RunFailure, logs: String },
    /// A service of the stack that the measured one needs, which did not get there.
    #[error("service `{service}` {why}{}{}", health_section(.health_output), logs_section(.logs))]
    Dependency {
        service: String,
        why: String,
        /// What its last health check printed.
        health_output: Option<String>,
        logs: String,
    },
}

fn health_section(output: &Option<String>) -> String {
    match output.as_deref().map(str::trim) {
        Some(out) if !out.is_empty() => format!("\n--- last health check output ---\n{out}"),
        _ => String::new(),
    }
}

/// How a measured container failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunFailure {
    #[error("not ready after {timeout}: no {waited_for}")]
    NotReady { timeout: String, waited_for: String },
    #[error("container exited with code {code} {during}")]
    Exited { code: i64, during: Stage },
    /// The kernel killed it for exceeding its memory limit (or, with no limit, the host's).
    /// `peak_bytes` is a lower bound: the cgroup is gone once the container is, and the engine
    /// answers a stats call in ~0.8 s on these machines, so the last sample may be well below
    /// the limit that the kill proves was reached.
    #[error("killed: out of memory ({}) {during}; the highest usage sampled before the kill was {:.1} MiB", limit_text(.limit), *.peak_bytes as f64 / 1048576.0)]
    OutOfMemory {
        limit: Option<String>,
        peak_bytes: u64,
        during: Stage,
    },
    #[error("{0}")]
    Engine(String),
}

/// When a container stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    BeforeReady,
    Settling,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::BeforeReady => "before it was ready",
            Stage::Settling => "while settling",
        })
    }
}

fn limit_text(limit: &Option<String>) -> String {
    match limit {
        Some(limit) => format!("limit {limit}"),
        None => "no limit set: the host ran out".to_string(),
    }
}

fn logs_section(logs: &str) -> String {
    if logs.trim().is_empty() {
        String::new()
    } else {
        format!(
            "\n--- container output (last lines) ---\n{}",
            logs.trim_end()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        let oom = RunFailure::OutOfMemory {
            limit: Some("128MiB".into()),
            peak_bytes: 128 << 20,
            during: Stage::BeforeReady,
        };
        assert_eq!(
            oom.to_string(),
            "killed: out of memory (limit 128MiB) before it was ready; the highest usage sampled before the kill was 128.0 MiB"
        );
        let run = MeasureError::Run {
            failure: RunFailure::Exited {
                code: 3,
                during: Stage::Settling,
            },
            logs: "boom\n".into(),
        };
        assert_eq!(
            run.to_string(),
            "container exited with code 3 while settling\n--- container output (last lines) ---\nboom"
        );
        let edit = MeasureError::Edit {
            edit: "deps".into(),
            source: Box::new(MeasureError::Build("build failed".into())),
        };
        assert_eq!(edit.to_string(), "after edit `deps`: build failed");
    }
}
