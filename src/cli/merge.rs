//! `dockbench merge`: join results folders of one suite (CI shards, rounds of an interleaved
//! benchmark) into a new folder. The joining itself is `results::merge`; this reads the
//! folders, writes the new one, and accepts the old positional form for one release.

use std::path::{Path, PathBuf};

use super::{Verbosity, EXIT_OK};

/// The note the old form (`merge OUT_DIR RESULTS_DIR...`) prints on stderr.
pub const POSITIONAL_OUT_DEPRECATED: &str = "note: `dockbench merge OUT_DIR RESULTS_DIR...` is \
    deprecated and will go in a later release: write `dockbench merge --out OUT_DIR RESULTS_DIR...`";

/// Where the merged folder goes and which folders go into it, from `--out` and the folders
/// named; without `--out`, the first folder named is the output (the old form), which the
/// third value says.
pub fn destination(
    out: Option<PathBuf>,
    mut folders: Vec<PathBuf>,
) -> anyhow::Result<(PathBuf, Vec<PathBuf>, bool)> {
    match out {
        Some(out) => Ok((out, folders, false)),
        None if folders.len() >= 2 => {
            let out = folders.remove(0);
            Ok((out, folders, true))
        }
        None => anyhow::bail!(
            "merge needs --out DIR, where the merged folder goes, besides the folders to merge"
        ),
    }
}

pub fn merge(
    out: Option<PathBuf>,
    folders: Vec<PathBuf>,
    verbosity: Verbosity,
) -> anyhow::Result<i32> {
    let (out, inputs, old_form) = destination(out, folders)?;
    if old_form {
        // A deprecation is worth saying even under -q: the command will stop working.
        eprintln!("{POSITIONAL_OUT_DEPRECATED}");
    }
    merge_into(&out, &inputs, verbosity)
}

fn merge_into(out: &Path, inputs: &[PathBuf], verbosity: Verbosity) -> anyhow::Result<i32> {
    use crate::results::merge::{merge, Input};
    use crate::results::ResultsStore;
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!("{} is not empty: merge writes a new folder", out.display());
    }
    let mut loaded = Vec::new();
    for dir in inputs {
        loaded.push(Input {
            dir: dir.clone(),
            results: ResultsStore::load(dir)?,
            samples: ResultsStore::load_samples(dir)?,
        });
    }
    let (merged, samples) = merge(loaded)?;
    let runs = merged.runs;
    let mut header = merged.clone();
    header.variants.clear();
    let mut store = ResultsStore::create(out, header)?;
    for variant in merged.variants {
        let own: Vec<_> = samples
            .iter()
            .filter(|s| s.variant == variant.name)
            .cloned()
            .collect();
        store.record_variant(variant, &own)?;
    }
    if let Some(at) = merged.finished_at {
        store.finish(at)?;
    }
    verbosity.info(format_args!(
        "merged {} folder(s), {runs} repetition(s) per variant -> {}",
        inputs.len(),
        out.display()
    ));
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn out_is_a_flag_and_the_old_positional_form_still_works() {
        let (out, inputs, old) = destination(Some("m".into()), paths(&["a"])).unwrap();
        assert_eq!((out, inputs, old), ("m".into(), paths(&["a"]), false));
        let (out, inputs, old) = destination(None, paths(&["m", "a", "b"])).unwrap();
        assert_eq!((out, inputs, old), ("m".into(), paths(&["a", "b"]), true));
        let alone = destination(None, paths(&["a"])).unwrap_err();
        assert!(alone.to_string().contains("--out DIR"), "{alone}");
        assert!(!POSITIONAL_OUT_DEPRECATED.contains('\n'));
    }
}
