//! `dockbench clean`: removes what dead runs left on the engine, and the warning `run` and
//! `doctor` print when there is some. Whether a run is dead is its lease's business
//! (`driver::lease`); this only sorts and removes.

use std::collections::BTreeSet;

use super::{Format, EXIT_FAILURES, EXIT_OK};
use crate::driver::docker::DockerEngine;
use crate::driver::lease::{self, Liveness, LABEL_LEASE};
use crate::driver::{Engine, Resource, ResourceKind, LABEL_RUN};

/// The engine's run resources, sorted by whether their run is alive.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// Of runs that are gone, in the order they can be removed: running containers first,
    /// then the other containers, networks, volumes, and images newest first.
    pub dead: Vec<Resource>,
    /// Run ids of live runs, whose resources stay.
    pub alive_runs: BTreeSet<String>,
    /// Resources whose run cannot be judged from here, with why.
    pub unknown: Vec<(Resource, String)>,
}

impl Leftovers {
    pub fn running_containers(&self) -> Vec<&Resource> {
        self.dead.iter().filter(|r| r.running).collect()
    }
}

/// Sorts `resources` by their runs' liveness, as `judge` tells it from a lease label.
pub fn sort_leftovers(
    resources: Vec<Resource>,
    judge: &dyn Fn(Option<&str>) -> Liveness,
) -> Leftovers {
    let mut out = Leftovers::default();
    for r in resources {
        let run = r.labels.get(LABEL_RUN).cloned().unwrap_or_default();
        if r.kind == ResourceKind::Image && r.labels.contains_key(crate::measure::LABEL_KEEP) {
            out.unknown.push((
                r,
                "kept on purpose (`run --keep-images`): remove it with `docker rmi`".into(),
            ));
            continue;
        }
        match judge(r.labels.get(LABEL_LEASE).map(String::as_str)) {
            Liveness::Alive => {
                out.alive_runs.insert(run);
            }
            Liveness::Dead => out.dead.push(r),
            Liveness::Unknown(why) => out.unknown.push((r, why)),
        }
    }
    // Stable: images keep the engine's newest-first order among themselves.
    out.dead.sort_by_key(|r| (r.kind, !r.running));
    out
}

pub async fn leftovers<E: Engine>(engine: &E) -> anyhow::Result<Leftovers> {
    Ok(sort_leftovers(
        engine.run_resources().await?,
        &lease::judge_here,
    ))
}

/// The warnings `run` and `doctor` print before anything else; empty when there are no
/// leftovers of dead runs.
pub fn leftover_warnings(found: &Leftovers) -> Vec<String> {
    let mut warnings = Vec::new();
    let running = found.running_containers();
    if !running.is_empty() {
        let names: Vec<&str> = running.iter().map(|r| r.name.as_str()).collect();
        warnings.push(format!(
            "{} container(s) of dead dockbench runs are still running ({}): they take CPU and \
             memory from everything measured on this engine, so every figure measured beside \
             them is off; `dockbench clean` removes them",
            running.len(),
            names.join(", ")
        ));
    }
    let rest = found.dead.len() - running.len();
    if rest > 0 {
        warnings.push(format!(
            "{rest} stopped container(s), image(s), network(s) or volume(s) of dead dockbench \
             runs are left on this engine; `dockbench clean` removes them"
        ));
    }
    warnings
}

/// Prints the leftover warnings of `engine`; a failure to list is a warning too, never fatal.
pub async fn warn_leftovers<E: Engine>(engine: &E) {
    match leftovers(engine).await {
        Ok(found) => {
            for w in leftover_warnings(&found) {
                eprintln!("warning: {w}");
            }
        }
        Err(e) => eprintln!("warning: could not list the engine's dockbench resources: {e:#}"),
    }
}

/// Removes each dead resource unless `dry_run`; the error of each, in `found.dead`'s order.
async fn remove_dead<E: Engine>(
    engine: &E,
    found: &Leftovers,
    dry_run: bool,
) -> Vec<Option<String>> {
    let mut failures = Vec::with_capacity(found.dead.len());
    for r in &found.dead {
        failures.push(match dry_run {
            true => None,
            false => engine
                .remove_resource(r)
                .await
                .err()
                .map(|e| format!("{e:#}")),
        });
    }
    failures
}

fn run_of(r: &Resource) -> &str {
    r.labels.get(LABEL_RUN).map(String::as_str).unwrap_or("?")
}

/// What `clean` prints: a line per dead resource (`failures` in `found.dead`'s order), then
/// what was left alone and why.
fn clean_lines(found: &Leftovers, failures: &[Option<String>], dry_run: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let verb = if dry_run { "would remove" } else { "removed" };
    for (r, failure) in found.dead.iter().zip(failures) {
        let what = match (r.kind, r.running) {
            (ResourceKind::Container, true) => "container (running)".to_string(),
            (kind, _) => kind.to_string(),
        };
        lines.push(match failure {
            None => format!("{verb} {what} {} (run {})", r.name, run_of(r)),
            Some(e) => format!("could not remove {what} {}: {e}", r.name),
        });
    }
    if found.dead.is_empty() {
        lines.push("no leftovers of dead dockbench runs".to_string());
    }
    if !found.alive_runs.is_empty() {
        let runs: Vec<&str> = found.alive_runs.iter().map(String::as_str).collect();
        lines.push(format!(
            "left alone: the resources of {} live run(s) ({})",
            runs.len(),
            runs.join(", ")
        ));
    }
    for (r, why) in &found.unknown {
        lines.push(format!("left alone: {} {}: {why}", r.kind, r.name));
    }
    lines
}

/// The facts of `clean_lines` as one JSON document.
fn clean_json(found: &Leftovers, failures: &[Option<String>], dry_run: bool) -> serde_json::Value {
    let dead: Vec<serde_json::Value> = found
        .dead
        .iter()
        .zip(failures)
        .map(|(r, failure)| {
            serde_json::json!({
                "kind": r.kind.to_string(),
                "name": r.name,
                "id": r.id,
                "run": run_of(r),
                "running": r.running,
                "removed": !dry_run && failure.is_none(),
                "error": failure,
            })
        })
        .collect();
    let left_alone: Vec<serde_json::Value> = found
        .unknown
        .iter()
        .map(|(r, why)| serde_json::json!({ "kind": r.kind.to_string(), "name": r.name, "why": why }))
        .collect();
    serde_json::json!({
        "dry_run": dry_run,
        "dead": dead,
        "live_runs": found.alive_runs,
        "left_alone": left_alone,
    })
}

pub async fn clean(dry_run: bool, context: Option<&str>, format: Format) -> anyhow::Result<i32> {
    let engine = DockerEngine::connect(context).await?;
    let found = leftovers(&engine).await?;
    let failures = remove_dead(&engine, &found, dry_run).await;
    match format {
        Format::Text => {
            for line in clean_lines(&found, &failures, dry_run) {
                crate::outln!("{line}");
            }
        }
        Format::Json => crate::outln!(
            "{}",
            serde_json::to_string_pretty(&clean_json(&found, &failures, dry_run))?
        ),
    }
    Ok(if failures.iter().all(Option::is_none) {
        EXIT_OK
    } else {
        EXIT_FAILURES
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::driver::fake::{FakeEngine, Script};

    fn resource(kind: ResourceKind, id: &str, run: &str, lease: Option<&str>) -> Resource {
        let mut labels = BTreeMap::from([
            ("dockbench".to_string(), "1".to_string()),
            (LABEL_RUN.to_string(), run.to_string()),
        ]);
        if let Some(l) = lease {
            labels.insert(LABEL_LEASE.to_string(), l.to_string());
        }
        Resource {
            kind,
            id: id.to_string(),
            name: id.to_string(),
            labels,
            running: false,
        }
    }

    /// "dead" leases are dead, "live" ones alive, "far" ones of another host.
    fn judge(label: Option<&str>) -> Liveness {
        match label {
            Some("dead") => Liveness::Dead,
            Some("live") => Liveness::Alive,
            _ => Liveness::Unknown("another host".into()),
        }
    }

    /// Removes (or, with `dry_run`, lists) the dead runs' resources; returns the lines to print and
    /// whether every removal worked.
    async fn remove_leftovers<E: Engine>(
        engine: &E,
        found: &Leftovers,
        dry_run: bool,
    ) -> (Vec<String>, bool) {
        let failures = remove_dead(engine, found, dry_run).await;
        let all_removed = failures.iter().all(Option::is_none);
        (clean_lines(found, &failures, dry_run), all_removed)
    }

    fn engine_with_leftovers() -> FakeEngine {
        let engine = FakeEngine::new(Script::default());
        let mut running = resource(ResourceKind::Container, "c-dead-1", "r1", Some("dead"));
        running.running = true;
        *engine.resources.borrow_mut() = vec![
            resource(ResourceKind::Image, "img-dead-new", "r1", Some("dead")),
            resource(ResourceKind::Image, "img-dead-old", "r1", Some("dead")),
            resource(ResourceKind::Network, "net-dead", "r1", Some("dead")),
            resource(ResourceKind::Container, "c-dead-2", "r1", Some("dead")),
            running,
            resource(ResourceKind::Volume, "vol-dead", "r1", Some("dead")),
            resource(ResourceKind::Container, "c-live", "r2", Some("live")),
            resource(ResourceKind::Image, "img-live", "r2", Some("live")),
            resource(ResourceKind::Image, "img-far", "r3", Some("far")),
            {
                let mut kept = resource(ResourceKind::Image, "img-kept", "r1", Some("dead"));
                kept.labels
                    .insert(crate::measure::LABEL_KEEP.into(), "1".into());
                kept
            },
        ];
        engine
    }

    #[tokio::test]
    async fn removes_exactly_the_dead_runs_resources_running_containers_first() {
        let engine = engine_with_leftovers();
        let found = sort_leftovers(engine.run_resources().await.unwrap(), &judge);
        let order: Vec<&str> = found.dead.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            order,
            [
                "c-dead-1",
                "c-dead-2",
                "net-dead",
                "vol-dead",
                "img-dead-new",
                "img-dead-old"
            ]
        );
        let warnings = leftover_warnings(&found);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0]
            .starts_with("1 container(s) of dead dockbench runs are still running (c-dead-1)"));
        assert!(warnings[1].starts_with("5 stopped container(s)"));

        // A dry run lists and removes nothing; its JSON has the same facts.
        let failures = remove_dead(&engine, &found, true).await;
        let doc = clean_json(&found, &failures, true);
        assert_eq!(doc["dry_run"], true);
        assert_eq!(doc["dead"].as_array().unwrap().len(), 6);
        assert_eq!(
            doc["dead"][0],
            serde_json::json!({"kind": "container", "name": "c-dead-1", "id": "c-dead-1",
                "run": "r1", "running": true, "removed": false, "error": null})
        );
        assert_eq!(doc["live_runs"], serde_json::json!(["r2"]));
        assert_eq!(doc["left_alone"][0]["why"], "another host");
        assert_eq!(doc["left_alone"].as_array().unwrap().len(), 2);
        let (lines, ok) = remove_leftovers(&engine, &found, true).await;
        assert!(ok);
        assert_eq!(
            lines[0],
            "would remove container (running) c-dead-1 (run r1)"
        );
        assert_eq!(engine.resources.borrow().len(), 10);

        let (lines, ok) = remove_leftovers(&engine, &found, false).await;
        assert!(ok);
        assert_eq!(lines[0], "removed container (running) c-dead-1 (run r1)");
        assert!(lines.contains(&"left alone: the resources of 1 live run(s) (r2)".to_string()));
        assert!(lines.contains(&"left alone: image img-far: another host".to_string()));
        assert!(lines.contains(
            &"left alone: image img-kept: kept on purpose (`run --keep-images`): remove it with \
              `docker rmi`"
                .to_string()
        ));
        let left: Vec<String> = engine
            .resources
            .borrow()
            .iter()
            .map(|r| r.id.clone())
            .collect();
        assert_eq!(left, ["c-live", "img-live", "img-far", "img-kept"]);
        // Nothing left to warn about.
        let again = sort_leftovers(engine.run_resources().await.unwrap(), &judge);
        assert!(leftover_warnings(&again).is_empty());
    }
}
