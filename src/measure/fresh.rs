//! Repetitions that do not feed each other: what an edit's rebuild added to the builder's cache
//! is removed after it, so that every edit of every repetition is rebuilt on the cache that the
//! variant's own cold and warm builds left, and on nothing else.
//!
//! Why: an edit that changes a stage's inputs but not its output (a comment in a requirements
//! file that the dependency stage installs from) rebuilds that stage, and BuildKit then finds
//! the stage's output, by its content, in the cache of the same edit's rebuild in an earlier
//! repetition: the `COPY --from` and every step after it are served from there. Repetition 1
//! measured a dependency change; repetitions 2 and 3 measured a change the cache had already
//! seen (issue 28). The classic builder and Buildah do the same with the images they commit.
//!
//! Only what dockbench made goes. BuildKit's records carry no labels, so an edit's records are
//! told by the engine's own list: the records that are there after the rebuild and were not
//! before it, of the kind a step makes (`regular`). Each step that ran makes one such record:
//! when more appeared, another build ran beside ours, and nothing is removed (a note says so).
//! `Shared` records go too: the containerd store (Docker 28) marks a stage's records shared
//! although no image holds them, and a shared record's layers stay with whatever image shares
//! them. The classic builder's are the images its stream named as committed by this build.

use crate::driver::{BuildOutput, CacheRecord, Engine};
use crate::scenario::Builder;

use super::{MeasureError, Measurer};

/// The ids of the step records made since `before`, each before the records it was made on
/// (BuildKit keeps a record that another one is made on). Some may still be in use: see
/// `released`.
pub fn made_since(before: &[CacheRecord], after: &[CacheRecord]) -> Vec<String> {
    let known: std::collections::HashSet<&str> = before.iter().map(|r| r.id.as_str()).collect();
    let new: Vec<&CacheRecord> = after
        .iter()
        .filter(|r| !known.contains(r.id.as_str()))
        .filter(|r| r.kind == "regular")
        .collect();
    // Leaves first: in each round, the records no remaining record is made on.
    let mut remaining = new;
    let mut ordered = Vec::new();
    while !remaining.is_empty() {
        let is_parent = |id: &str| remaining.iter().any(|r| r.parents.iter().any(|p| p == id));
        let (leaves, rest): (Vec<&CacheRecord>, Vec<&CacheRecord>) =
            remaining.iter().partition(|r| !is_parent(&r.id));
        if leaves.is_empty() {
            // A loop, which BuildKit never makes: try them all.
            ordered.extend(rest.iter().map(|r| r.id.clone()));
            break;
        }
        ordered.extend(leaves.iter().map(|r| r.id.clone()));
        remaining = rest;
    }
    ordered
}

/// How long an edit's records may stay in use after its build before they are left (with a
/// note), and how often to look.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
const RELEASE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl<E: Engine> Measurer<'_, E> {
    /// The build cache before an edit's rebuild, where the builder keeps one apart from images
    /// (BuildKit).
    pub(super) async fn cache_before_edit(&self) -> Result<Option<Vec<CacheRecord>>, MeasureError> {
        if self.builder != Builder::BuildKit {
            return Ok(None);
        }
        let records = self.engine.build_cache().await.map_err(|e| {
            MeasureError::Engine(e.context("listing the build cache before an edit's rebuild"))
        })?;
        Ok(Some(records))
    }

    /// Removes what edit `edit`'s rebuild `built` added: the build cache records new since
    /// `before` (BuildKit), or the images it committed (the classic builder, Buildah). Whatever
    /// the engine keeps is said in a note, since later repetitions may then be served from it.
    pub(super) async fn forget_edit(
        &self,
        edit: &str,
        rep: u32,
        before: Option<&[CacheRecord]>,
        built: &BuildOutput,
        warm_image: &str,
    ) -> Result<(), MeasureError> {
        let context = || format!("removing what the rebuild after edit `{edit}` left in the cache");
        let (what, kept) = match before {
            Some(before) => {
                // The image's own layers are shared with the records of its last stage (Docker
                // 20.10 with a graph driver): BuildKit keeps those until the image is gone. An
                // edit that changed nothing built the warm image again, which stays.
                if built.image_id != warm_image {
                    self.remove_images(std::slice::from_ref(&built.image_id))
                        .await;
                }
                let after = self
                    .released(before)
                    .await
                    .map_err(|e| MeasureError::Engine(e.context(context())))?;
                let made = made_since(before, &after);
                // Each step that ran makes one record. More new records than that means that
                // another build ran on the engine at the same time: its records are not told
                // from ours, so none go.
                let ran = built.steps.iter().filter(|s| !s.cached).count();
                if made.len() > ran {
                    self.out.borrow_mut().notes.push(format!(
                        "edit `{edit}`, repetition {rep}: {} build cache records appeared \
                         while its rebuild ran, more than its {ran} steps that ran make: \
                         another build ran on the engine at the same time, so none were \
                         removed, and later repetitions' rebuilds after it may be served from \
                         this one's",
                        made.len()
                    ));
                    return Ok(());
                }
                // Docker 28 lists no parents: a parent kept for its child goes in the next pass.
                let mut left = made;
                loop {
                    let mut kept = Vec::new();
                    for id in &left {
                        let removed = self
                            .engine
                            .remove_build_cache(id)
                            .await
                            .map_err(|e| MeasureError::Engine(e.context(context())))?;
                        if !removed {
                            kept.push(id.clone());
                        }
                    }
                    let stuck = kept.len() == left.len();
                    left = kept;
                    if left.is_empty() || stuck {
                        break;
                    }
                }
                ("build cache records", left.len())
            }
            None => ("images", self.remove_images(&built.created_images).await),
        };
        if kept > 0 {
            self.out.borrow_mut().notes.push(format!(
                "edit `{edit}`: the engine kept {kept} of the {what} that its rebuild in \
                 repetition {rep} made, so later repetitions' rebuilds after it may be served \
                 from them"
            ));
        }
        Ok(())
    }

    /// The build cache once the records made since `before` are no longer in use. Docker
    /// 20.10 holds the records of the image's own stage a moment after the build's stream has
    /// ended (the stage it copied from is released at once); in use, BuildKit keeps them.
    async fn released(&self, before: &[CacheRecord]) -> anyhow::Result<Vec<CacheRecord>> {
        let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
        loop {
            let after = self.engine.build_cache().await?;
            let made: std::collections::HashSet<String> =
                made_since(before, &after).into_iter().collect();
            let held = after.iter().any(|r| r.in_use && made.contains(&r.id));
            if !held || tokio::time::Instant::now() >= deadline {
                return Ok(after);
            }
            tokio::time::sleep(RELEASE_POLL).await;
        }
    }

    /// Removes these images, newest first (a child before its parent); returns how many are
    /// still there. One already gone went with a child removed before it.
    async fn remove_images(&self, oldest_first: &[String]) -> usize {
        let mut kept = 0;
        for image in oldest_first.iter().rev() {
            if !self.engine.image_exists(image).await.unwrap_or(true) {
                continue;
            }
            if self.engine.remove_image(image).await.is_err() {
                kept += 1;
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::fake::{FakeEngine, Script};
    use crate::measure::{Observer, Phase, RunContext, VariantMeasurement, VariantRun};
    use std::cell::RefCell;

    struct Quiet;
    impl Observer for Quiet {
        fn phase(&self, _: &str, _: &Phase, _: u32, _: u32) {}
    }

    /// Measures three repetitions of a one-edit suite built by `builder` on `engine`; returns
    /// the engine's calls that build or remove something, and what was measured.
    async fn three_repetitions(
        engine: &FakeEngine,
        builder: &str,
    ) -> (Vec<String>, VariantMeasurement) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM b\nCOPY a.txt /\n").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a\n").unwrap();
        let suite = format!(
            "name = \"s\"\nruns = 3\n[[edit]]\nname = \"e\"\nfile = \"a.txt\"\n\
             append = \"# {{nonce}}\\n\"\n[[variant]]\nname = \"v\"\nbuilder = \"{builder}\"\n"
        );
        std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
        let suite = crate::scenario::load_suite(&dir.path().join("suite.toml")).unwrap();
        let ctx = RunContext::new();
        let out = RefCell::new(VariantMeasurement::default());
        let run = VariantRun::prepare(engine, &ctx, &suite, &suite.variants[0], &out).unwrap();
        for rep in 1..=3 {
            let outcome = run.repetition(rep, 3, &Quiet).await;
            assert_eq!(outcome, crate::measure::Repetition::Measured, "{out:?}");
        }
        let calls = engine.calls.borrow();
        let kept = calls
            .iter()
            .filter(|c| c.starts_with("build ") || c.starts_with("remove_"))
            .map(|c| c.split(' ').next().unwrap().to_string() + " " + c.rsplit(' ').next().unwrap())
            .map(|c| c.replace(&format!("dockbench/s-v:{}", ctx.run_id), "T"))
            .collect();
        drop(calls);
        (kept, out.into_inner())
    }

    /// Issue 28: the records an edit's rebuild made are removed after it, children first, with
    /// the edited image that shares their layers, before the next repetition's builds; the cold
    /// build's records, cache mounts and records that were there before stay.
    #[tokio::test(start_paused = true)]
    async fn each_repetition_starts_from_the_cold_builds_cache() {
        let engine = FakeEngine::new(Script {
            edits_rerun: true,
            ..Script::default()
        });
        let theirs = CacheRecord {
            in_use: false,
            ..record("theirs", &["base"], "regular")
        };
        engine.cache.borrow_mut().push(theirs);
        let (calls, measured) = three_repetitions(&engine, "buildkit").await;
        // Builds 1, 4, 7 are cold, 2, 5, 8 warm (cached: no records), 3, 6, 9 the edit's.
        let mut expected = Vec::new();
        for edit in [3, 6, 9] {
            expected.extend(["build T", "build T", "build T"].map(String::from));
            expected.push(format!("remove_image sha256:image{edit}"));
            expected.push(format!("remove_build_cache run{edit}"));
            expected.push(format!("remove_build_cache copy{edit}"));
        }
        assert_eq!(calls, expected);
        let left: Vec<String> = engine.cache.borrow().iter().map(|r| r.id.clone()).collect();
        assert_eq!(
            left,
            [
                "theirs", "copy1", "run1", "mount1", "mount3", "copy4", "run4", "mount4", "mount6",
                "copy7", "run7", "mount7", "mount9"
            ]
        );
        // Every edit re-ran every step, in every repetition.
        let rates: Vec<f64> = measured
            .samples
            .iter()
            .filter(|s| s.metric == "cache_hit_rate.e")
            .map(|s| s.value)
            .collect();
        assert_eq!(rates, [0.0, 0.0, 0.0]);
        assert!(measured.notes.is_empty(), "{:?}", measured.notes);
    }

    /// The classic builder keeps its cache in the images it commits: the edit's go, the cold
    /// build's stay; BuildKit's cache is not looked at.
    #[tokio::test(start_paused = true)]
    async fn classic_repetitions_lose_the_edits_images() {
        let engine = FakeEngine::new(Script {
            edits_rerun: true,
            ..Script::default()
        });
        let (calls, _) = three_repetitions(&engine, "classic").await;
        let mut expected = Vec::new();
        for edit in [3, 6, 9] {
            expected.extend(["build T", "build T", "build T"].map(String::from));
            expected.push(format!("remove_image image{edit}"));
            expected.push(format!("remove_image layer{edit}"));
        }
        assert_eq!(calls, expected);
        assert!(!engine.calls.borrow().iter().any(|c| c == "build_cache"));
    }

    /// Records that another build made while the edit's rebuild ran cannot be told from the
    /// edit's: none are removed, and a note says so.
    #[tokio::test(start_paused = true)]
    async fn a_build_beside_ours_keeps_every_record() {
        let engine = FakeEngine::new(Script {
            edits_rerun: true,
            // Each build reports one step that ran; it makes two records.
            steps: vec!["RUN b"],
            ..Script::default()
        });
        let (calls, measured) = three_repetitions(&engine, "buildkit").await;
        assert!(
            !calls.iter().any(|c| c.starts_with("remove_build_cache")),
            "{calls:?}"
        );
        assert_eq!(measured.notes.len(), 3, "{:?}", measured.notes);
        assert!(
            measured.notes[0].starts_with(
                "edit `e`, repetition 1: 2 build cache records appeared while its rebuild ran, \
                 more than its 1 steps that ran make"
            ),
            "{}",
            measured.notes[0]
        );
    }

    fn record(id: &str, parents: &[&str], kind: &str) -> CacheRecord {
        CacheRecord {
            id: id.to_string(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            kind: kind.to_string(),
            in_use: false,
            shared: false,
        }
    }

    #[test]
    fn only_new_step_records_go_children_first() {
        let base = CacheRecord {
            shared: true,
            ..record("base", &[], "regular")
        };
        let before = [base.clone(), record("cold", &["base"], "regular")];
        let after = [
            base,
            record("cold", &["base"], "regular"),
            // Listed parent first, as the engine lists them by creation.
            record("copy", &["base"], "regular"),
            record("run", &["copy"], "regular"),
            record("sleep", &["run"], "regular"),
            record("mount", &[], "exec.cachemount"),
            record("context", &[], "source.local"),
            CacheRecord {
                in_use: true,
                ..record("still-in-use", &["base"], "regular")
            },
            CacheRecord {
                shared: true,
                ..record("a-new-base", &[], "regular")
            },
        ];
        assert_eq!(
            made_since(&before, &after),
            ["sleep", "still-in-use", "a-new-base", "run", "copy"]
        );
        assert!(made_since(&after, &after).is_empty());
    }
}
