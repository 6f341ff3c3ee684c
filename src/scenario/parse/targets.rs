//! Pass 2 for `[targets]` tables: known metric names (per-edit ones on a declared edit), limits
//! in the metric's unit, and the order reports list them in.

use std::collections::BTreeMap;

use super::locate::join_key;
use super::raw::RawTargets;
use super::resolve::{quantity, Checker};
use crate::metric;
use crate::scenario::units;
use crate::scenario::Target;

pub(super) fn resolve_targets(
    ck: &mut Checker,
    raw: &RawTargets,
    prefix: &str,
    edit_names: &[&str],
) -> BTreeMap<String, Target> {
    let mut targets = BTreeMap::new();
    for (metric_name, limit) in raw {
        let key = join_key(prefix, metric_name.get_ref());
        if let Err(message) = check_metric(metric_name.get_ref(), edit_names) {
            ck.error(metric_name.span(), key, message);
            continue;
        }
        match target(metric_name.get_ref(), limit.get_ref()) {
            Ok(target) => {
                targets.insert(target.metric.clone(), target);
            }
            Err(message) => ck.error(limit.span(), key, message),
        }
    }
    targets
}

pub(super) fn check_metric(name: &str, edit_names: &[&str]) -> Result<(), String> {
    if name == metric::REBUILD_S {
        return Err("`rebuild_s` is measured per edit: write `rebuild_s.<edit>`".to_string());
    }
    if !metric::is_known(name) {
        return Err(format!(
            "unknown metric `{name}`; expected one of: {}",
            known_metrics()
        ));
    }
    let per_service = metric::base_name(name) == metric::MEMORY_IDLE_BYTES;
    match metric::edit_name(name) {
        Some(edit) if !per_service && !edit_names.contains(&edit) => {
            let edits = if edit_names.is_empty() {
                "the suite has no [[edit]]".to_string()
            } else {
                format!("the suite's edits are: {}", edit_names.join(", "))
            };
            Err(format!("target on unknown edit `{edit}`; {edits}"))
        }
        _ => Ok(()),
    }
}

fn known_metrics() -> String {
    let names: Vec<String> = metric::BASE_METRICS
        .iter()
        .map(|&base| match base {
            metric::REBUILD_S => format!("{base}.<edit>"),
            metric::CACHE_HIT_RATE => format!("{base}, {base}.<edit>"),
            _ => base.to_string(),
        })
        .collect();
    names.join(", ")
}

fn target(metric_name: &str, limit: &toml::Value) -> Result<Target, String> {
    let unit = metric::unit_of(metric_name);
    let value = units::limit_of(unit, quantity(limit)?).map_err(|e| e.0)?;
    let limit_text = match limit {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Ok(Target {
        metric: metric_name.to_string(),
        limit: value,
        limit_text,
        direction: metric::direction_of(metric_name),
    })
}

/// Targets in the order reports list metrics; per-edit ones in edit order.
pub(super) fn ordered_targets(
    targets: BTreeMap<String, Target>,
    edit_names: &[&str],
) -> Vec<Target> {
    let rank = |name: &str| {
        let base = metric::BASE_METRICS
            .iter()
            .position(|&b| b == metric::base_name(name));
        let edit = metric::edit_name(name).and_then(|e| edit_names.iter().position(|&n| n == e));
        (base, edit.map_or(0, |i| i + 1))
    };
    let mut targets: Vec<Target> = targets.into_values().collect();
    targets.sort_by_key(|t| rank(&t.metric));
    targets
}
