//! `run --shard K/N`: which of a suite's variants this shard measures. The dealing itself is
//! `scenario::shard::plan`; this applies it to a suite.

use std::collections::BTreeMap;

use crate::scenario::shard::Shard;
use crate::scenario::Suite;

/// What a shard was dealt.
#[derive(Debug, PartialEq)]
pub struct Dealt {
    /// Measured in every shard, so that each shard's figures have their own reference.
    pub reference: String,
    /// The variants this shard measures, the reference included, in suite order.
    pub mine: Vec<String>,
    /// How many of the suite's variants had a last measured duration to deal by.
    pub timed: usize,
    pub of: usize,
}

/// Keeps in `suite` the reference and this shard's variants, dealt by `seconds` (each
/// variant's last measured seconds per repetition, where known) or else by name.
pub fn keep_shard(suite: &mut Suite, shard: Shard, seconds: &BTreeMap<String, f64>) -> Dealt {
    let reference = suite
        .reference
        .clone()
        .or_else(|| suite.variants.first().map(|v| v.name.clone()))
        .unwrap_or_default();
    let all: Vec<String> = suite.variants.iter().map(|v| v.name.clone()).collect();
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let plan = crate::scenario::shard::plan(&names, &reference, shard.count, seconds);
    suite
        .variants
        .retain(|v| v.name == reference || plan.get(&v.name) == Some(&shard.index));
    suite.reference = Some(reference.clone());
    Dealt {
        reference,
        mine: suite.variants.iter().map(|v| v.name.clone()).collect(),
        timed: names.iter().filter(|n| seconds.contains_key(**n)).count(),
        of: names.len(),
    }
}
