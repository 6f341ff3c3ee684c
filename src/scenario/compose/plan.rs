//! The start plan of a stack: the measured service's dependencies, transitively, each after the
//! services it depends on, with the condition each waits for, as the compose tool starts them.

use compose_spec::service::Condition;
use compose_spec::Compose;

/// One service to start, once every service in `waits_for` meets its condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub service: String,
    pub waits_for: Vec<(String, Condition)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("service `{0}` is not in the compose file")]
    UnknownService(String),
    #[error("service `{service}` depends on `{dependency}`, which is not in the compose file")]
    UnknownDependency { service: String, dependency: String },
    #[error("depends_on makes a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// Dependencies first, `measured` last. Services the measured one does not need (transitively)
/// are not started, as `docker compose up SERVICE` does. A dependency marked `required: false`
/// that is not in the file is skipped, as the compose tool does.
pub fn start_plan(compose: &Compose, measured: &str) -> Result<Vec<Step>, PlanError> {
    if !compose.services.keys().any(|k| k.as_str() == measured) {
        return Err(PlanError::UnknownService(measured.to_string()));
    }
    let mut plan = Vec::new();
    let mut path = Vec::new();
    visit(compose, measured, &mut path, &mut plan)?;
    Ok(plan)
}

fn visit(
    compose: &Compose,
    name: &str,
    path: &mut Vec<String>,
    plan: &mut Vec<Step>,
) -> Result<(), PlanError> {
    if plan.iter().any(|s| s.service == name) {
        return Ok(());
    }
    if let Some(at) = path.iter().position(|p| p == name) {
        let mut cycle = path[at..].to_vec();
        cycle.push(name.to_string());
        return Err(PlanError::Cycle(cycle));
    }
    let service = compose
        .services
        .iter()
        .find(|(k, _)| k.as_str() == name)
        .map(|(_, s)| s)
        .expect("callers check that the service exists");
    path.push(name.to_string());
    let mut waits_for = Vec::new();
    for (dependency, how) in service.depends_on.clone().into_long() {
        let dependency = dependency.as_str().to_string();
        if !compose.services.keys().any(|k| k.as_str() == dependency) {
            if how.required {
                return Err(PlanError::UnknownDependency {
                    service: name.to_string(),
                    dependency,
                });
            }
            continue;
        }
        visit(compose, &dependency, path, plan)?;
        waits_for.push((dependency, how.condition));
    }
    path.pop();
    plan.push(Step {
        service: name.to_string(),
        waits_for,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compose(yaml: &str) -> Compose {
        yaml_serde::from_str(yaml).unwrap()
    }

    fn order(plan: &[Step]) -> Vec<&str> {
        plan.iter().map(|s| s.service.as_str()).collect()
    }

    const STACK: &str = "
services:
  web:
    image: app
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
      cache:
        condition: service_started
  migrate:
    image: app
    depends_on: [db]
  db:
    image: postgres
  cache:
    image: redis
  unrelated:
    image: busybox
";

    #[test]
    fn dependencies_first_with_their_conditions_both_forms() {
        let plan = start_plan(&compose(STACK), "web").unwrap();
        assert_eq!(order(&plan), ["db", "migrate", "cache", "web"]);
        assert_eq!(
            plan[3].waits_for,
            [
                ("db".to_string(), Condition::ServiceHealthy),
                (
                    "migrate".to_string(),
                    Condition::ServiceCompletedSuccessfully
                ),
                ("cache".to_string(), Condition::ServiceStarted),
            ]
        );
        assert_eq!(
            plan[1].waits_for,
            [("db".to_string(), Condition::ServiceStarted)],
            "the short form means service_started"
        );
        assert!(
            !order(&plan).contains(&"unrelated"),
            "only what the measured service needs"
        );
        assert_eq!(order(&start_plan(&compose(STACK), "db").unwrap()), ["db"]);
    }

    #[test]
    fn unknown_services_and_cycles_are_errors() {
        assert_eq!(
            start_plan(&compose(STACK), "api"),
            Err(PlanError::UnknownService("api".into()))
        );
        let missing = compose("services:\n  web:\n    image: a\n    depends_on: [db]\n");
        assert_eq!(
            start_plan(&missing, "web").unwrap_err().to_string(),
            "service `web` depends on `db`, which is not in the compose file"
        );
        let optional = compose(
            "services:\n  web:\n    image: a\n    depends_on:\n      db:\n        condition: service_started\n        required: false\n",
        );
        assert_eq!(order(&start_plan(&optional, "web").unwrap()), ["web"]);
        let cycle = compose(
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n",
        );
        assert_eq!(
            start_plan(&cycle, "a").unwrap_err().to_string(),
            "depends_on makes a cycle: a -> b -> c -> a"
        );
    }
}
