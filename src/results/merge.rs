//! `dockbench merge`: several results folders of one suite (the shards of a CI matrix, the
//! rounds of an interleaved PR benchmark) as one. Samples are concatenated with their
//! repetitions renumbered; every summary and target is recomputed from them by the same code as
//! a run's; each input's environment is kept, and the notes of all of them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Environment, RunResults, Sample, Status, VariantResult};

/// One input of a merged folder, as its results recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedInput {
    /// The folder, as given to `merge`.
    pub source: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub runs: u32,
    /// Repetitions `first_run..first_run + runs` of the merged folder are this input's.
    pub first_run: u32,
    /// The shard it measured (`run --shard`), if it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::scenario::shard::Shard>,
    pub environment: Environment,
}

/// Why folders cannot be merged (exit 2).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    #[error("nothing to merge: give at least one results folder")]
    Nothing,
    #[error("cannot merge different suites: {first} is suite `{first_suite}`, {other} is suite `{other_suite}`")]
    DifferentSuites {
        first: String,
        first_suite: String,
        other: String,
        other_suite: String,
    },
    #[error("cannot merge {0} twice: each folder's samples would count double")]
    Twice(String),
    #[error("cannot merge runs of different versions of suite `{suite}`: {first} and {other} record different hashes for {file}")]
    DifferentFiles {
        suite: String,
        first: String,
        other: String,
        file: String,
    },
}

/// One folder to merge: where it is (for messages and `merged_from`), its results and its raw
/// samples.
pub struct Input {
    pub dir: PathBuf,
    pub results: RunResults,
    pub samples: Vec<Sample>,
}

/// Merges `inputs`, in the order given: the first one's repetitions come first.
pub fn merge(inputs: Vec<Input>) -> Result<(RunResults, Vec<Sample>), MergeError> {
    let first = inputs.first().ok_or(MergeError::Nothing)?;
    let name = |dir: &Path| dir.display().to_string();
    let mut seen: Vec<PathBuf> = Vec::new();
    for input in &inputs {
        let canonical = input
            .dir
            .canonicalize()
            .unwrap_or_else(|_| input.dir.clone());
        if seen.contains(&canonical) {
            return Err(MergeError::Twice(name(&input.dir)));
        }
        seen.push(canonical);
        if input.results.suite != first.results.suite {
            return Err(MergeError::DifferentSuites {
                first: name(&first.dir),
                first_suite: first.results.suite.clone(),
                other: name(&input.dir),
                other_suite: input.results.suite.clone(),
            });
        }
        for (file, hash) in &input.results.suite_files {
            if first
                .results
                .suite_files
                .get(file)
                .is_some_and(|h| h != hash)
            {
                return Err(MergeError::DifferentFiles {
                    suite: first.results.suite.clone(),
                    first: name(&first.dir),
                    other: name(&input.dir),
                    file: file.clone(),
                });
            }
        }
    }

    let mut merged = RunResults {
        runs: 0,
        started_at: inputs
            .iter()
            .map(|i| i.results.started_at.clone())
            .min()
            .expect("one input"),
        finished_at: inputs
            .iter()
            .map(|i| i.results.finished_at.clone())
            .collect::<Option<Vec<String>>>()
            .and_then(|all| all.into_iter().max()),
        variants: Vec::new(),
        merged_from: Vec::new(),
        resumed_at: Vec::new(),
        // Rounds of one shard are that shard; shards of a split run are no one shard.
        shard: first
            .results
            .shard
            .filter(|s| inputs.iter().all(|i| i.results.shard == Some(*s))),
        shard_references: Vec::new(),
        ..first.results.clone()
    };
    let mut samples: Vec<Sample> = Vec::new();
    // Per variant: its merged result so far, its samples.
    let mut variants: Vec<(VariantResult, Vec<Sample>)> = Vec::new();
    for input in &inputs {
        let offset = merged.runs;
        merged.merged_from.push(MergedInput {
            source: name(&input.dir),
            started_at: input.results.started_at.clone(),
            finished_at: input.results.finished_at.clone(),
            runs: input.results.runs,
            first_run: offset + 1,
            shard: input.results.shard,
            environment: input.results.environment.clone(),
        });
        merged
            .resumed_at
            .extend(input.results.resumed_at.iter().cloned());
        for v in &input.results.variants {
            let shifted: Vec<Sample> = input
                .samples
                .iter()
                .filter(|s| s.variant == v.name)
                .map(|s| Sample {
                    run: s.run + offset,
                    ..s.clone()
                })
                .collect();
            let runs: Vec<u32> = v.completed_runs.iter().map(|r| r + offset).collect();
            match variants.iter_mut().find(|(m, _)| m.name == v.name) {
                None => {
                    let mut first_seen = v.clone();
                    first_seen.completed_runs = runs;
                    for o in &mut first_seen.overhead {
                        o.run += offset;
                    }
                    if let Some(e) = &v.error {
                        first_seen.error = Some(format!("{}: {e}", name(&input.dir)));
                    }
                    variants.push((first_seen, shifted));
                }
                Some((m, kept)) => {
                    kept.extend(shifted);
                    m.completed_runs.extend(runs);
                    m.measured_s += v.measured_s;
                    m.overhead
                        .extend(v.overhead.iter().map(|o| super::host::Overhead {
                            run: o.run + offset,
                            ..o.clone()
                        }));
                    for note in &v.notes {
                        if !m.notes.contains(note) {
                            m.notes.push(note.clone());
                        }
                    }
                    if m.error.is_none() {
                        if let Some(e) = &v.error {
                            m.error = Some(format!("{}: {e}", name(&input.dir)));
                            m.failure_kind = v.failure_kind;
                        }
                    }
                    // Cut short in any input: the merge holds fewer rounds of it than of the
                    // others, and says so (`derive` makes it failed if an input failed).
                    if m.status == Status::Ok && v.status != Status::Ok {
                        m.status = v.status;
                    }
                    if m.layers.is_empty() {
                        m.layers = v.layers.clone();
                    }
                    if m.cold_build_steps.is_empty() {
                        m.cold_build_steps = v.cold_build_steps.clone();
                    }
                    if m.anatomy.is_none() {
                        m.anatomy = v.anatomy.clone();
                    }
                }
            }
        }
        merged.runs += input.results.runs;
    }
    for (v, kept) in variants {
        samples.extend(kept);
        merged.variants.push(v);
    }
    super::summarize::derive(&mut merged, &samples);
    Ok((merged, samples))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::testdata::{run_results, variant};

    fn input(dir: &str, status: Status) -> Input {
        let mut app = variant("app", &[("cold_build_s", &[1.0])]);
        app.status = status;
        let samples = vec![Sample {
            variant: "app".into(),
            metric: "cold_build_s".into(),
            run: 1,
            value: 1.0,
            started_at: None,
            others_cpu_share: None,
            load_1m: None,
        }];
        Input {
            dir: dir.into(),
            results: run_results(vec![app]),
            samples,
        }
    }

    /// A merge holds fewer rounds of a variant that one input cut short than of the others:
    /// it says so, whichever input that was.
    #[test]
    fn a_variant_cut_short_in_any_input_is_interrupted_in_the_merge() {
        for (first, second) in [
            (Status::Ok, Status::Interrupted),
            (Status::Interrupted, Status::Ok),
        ] {
            let (merged, samples) = merge(vec![input("/a", first), input("/b", second)]).unwrap();
            assert_eq!(samples.len(), 2);
            assert_eq!(merged.variants[0].status, Status::Interrupted);
        }
        let (merged, _) = merge(vec![input("/a", Status::Ok), input("/b", Status::Ok)]).unwrap();
        assert_eq!(merged.variants[0].status, Status::Ok);
    }
}
