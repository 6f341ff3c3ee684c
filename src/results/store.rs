//! Atomic, incremental writing of the results folder.
//!
//! Every file is rewritten whole after each variant, through a temp file in the same folder that
//! is fsynced and then renamed over the old one. A rename within one filesystem is atomic, so a
//! crash or Ctrl-C at any moment leaves either the previous complete file or the new one.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{RunResults, Sample, VariantResult};
use crate::metric;

/// The header of `samples.csv`; rows are long form, one per sample.
const CSV_HEADER: [&str; 9] = [
    "suite",
    "variant",
    "metric",
    "run",
    "value",
    "unit",
    "started_at",
    "others_cpu_share",
    "load_1m",
];

/// An empty field, or a number.
fn optional_number(text: &str) -> Result<Option<f64>, std::num::ParseFloatError> {
    match text {
        "" => Ok(None),
        text => text.parse().map(Some),
    }
}

/// Owns the results folder of one run and the results written so far.
#[derive(Debug)]
pub struct ResultsStore {
    dir: PathBuf,
    results: RunResults,
    /// Raw samples per recorded variant, parallel to `results.variants`, so that a replaced
    /// variant keeps its place in both files.
    samples: Vec<Vec<Sample>>,
    /// Held (an exclusive `flock` on `.lock`) while the store is open: a second run, or a
    /// `--resume` of a run still going, cannot write the same folder.
    _lock: Option<File>,
}

impl ResultsStore {
    pub const RESULTS_JSON: &'static str = "results.json";
    pub const SAMPLES_CSV: &'static str = "samples.csv";
    pub const ENVIRONMENT_JSON: &'static str = "environment.json";

    /// Creates `dir` (and parents) and writes all three files, so that even a run that dies in
    /// its first build leaves a folder saying what was attempted where.
    pub fn create(dir: &Path, header: RunResults) -> anyhow::Result<ResultsStore> {
        fs::create_dir_all(dir)
            .with_context(|| format!("creating results folder {}", dir.display()))?;
        write_json_atomic(&dir.join(Self::ENVIRONMENT_JSON), &header.environment)?;
        // Variants already in the header have no raw samples to write.
        let samples = vec![Vec::new(); header.variants.len()];
        let store = ResultsStore {
            _lock: Some(lock(dir)?),
            dir: dir.to_path_buf(),
            results: header,
            samples,
        };
        store.write()?;
        Ok(store)
    }

    /// Opens the folder of an interrupted run to go on writing it (`run --resume`): its
    /// variants and raw samples stay as they are until a variant is recorded again, and
    /// `resumed_at` gets `now`.
    pub fn reopen(dir: &Path, now: String) -> anyhow::Result<ResultsStore> {
        let lock = lock(dir)?;
        let mut results = Self::load(dir)?;
        let all = Self::load_samples(dir)?;
        let samples = results
            .variants
            .iter()
            .map(|v| {
                all.iter()
                    .filter(|s| s.variant == v.name)
                    .cloned()
                    .collect()
            })
            .collect();
        results.finished_at = None;
        results.resumed_at.push(now);
        let store = ResultsStore {
            dir: dir.to_path_buf(),
            results,
            samples,
            _lock: Some(lock),
        };
        store.write()?;
        Ok(store)
    }

    /// The raw samples of `samples.csv`, in its order.
    pub fn load_samples(dir: &Path) -> anyhow::Result<Vec<Sample>> {
        let path = dir.join(Self::SAMPLES_CSV);
        let mut reader =
            csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut samples = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.with_context(|| format!("reading {}", path.display()))?;
            let field = |k: usize| row.get(k).unwrap_or("");
            let bad = || format!("{}: line {}: not a sample", path.display(), i + 2);
            let started = field(6);
            samples.push(Sample {
                variant: field(1).to_string(),
                metric: field(2).to_string(),
                run: field(3).parse().with_context(bad)?,
                value: field(4).parse().with_context(bad)?,
                started_at: if started.is_empty() {
                    None
                } else {
                    Some(
                        DateTime::parse_from_rfc3339(started)
                            .with_context(bad)?
                            .with_timezone(&Utc),
                    )
                },
                // Absent from files written before they were recorded (7 columns).
                others_cpu_share: optional_number(field(7)).with_context(bad)?,
                load_1m: optional_number(field(8)).with_context(bad)?,
            });
        }
        Ok(samples)
    }

    /// Adds a variant, or replaces the one with the same name in place, and rewrites
    /// `results.json` and `samples.csv`.
    pub fn record_variant(
        &mut self,
        result: VariantResult,
        samples: &[Sample],
    ) -> anyhow::Result<()> {
        debug_assert!(
            samples.iter().all(|s| s.variant == result.name),
            "samples recorded under variant {} belong to another variant",
            result.name
        );
        let existing = self
            .results
            .variants
            .iter()
            .position(|v| v.name == result.name);
        match existing {
            Some(i) => {
                self.results.variants[i] = result;
                self.samples[i] = samples.to_vec();
            }
            None => {
                self.results.variants.push(result);
                self.samples.push(samples.to_vec());
            }
        }
        self.write()
    }

    /// Marks the run complete (`finished_at`, RFC 3339 UTC) and rewrites.
    pub fn finish(&mut self, finished_at: String) -> anyhow::Result<()> {
        self.results.finished_at = Some(finished_at);
        self.write()
    }

    pub fn results(&self) -> &RunResults {
        &self.results
    }

    /// Records how sampling until decided went (`runs = "auto"`), and rewrites.
    pub fn set_sampling(&mut self, sampling: super::Sampling) -> anyhow::Result<()> {
        self.results.sampling = Some(sampling);
        self.write()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `results_root/<suite>/<UTC start like 2026-11-23T07-41-05Z>`, with `-2`, `-3`... appended
    /// if that folder exists already. The time has no colons: they are invalid in Windows paths
    /// and rejected by CI artifact uploads.
    pub fn default_dir(results_root: &Path, suite_name: &str, started: DateTime<Utc>) -> PathBuf {
        let parent = results_root.join(path_safe(suite_name));
        let stamp = started.format("%Y-%m-%dT%H-%M-%SZ").to_string();
        let first = parent.join(&stamp);
        if !first.exists() {
            return first;
        }
        (2u32..)
            .map(|n| parent.join(format!("{stamp}-{n}")))
            .find(|dir| !dir.exists())
            .expect("some numbered folder is free")
    }

    /// Reads a results folder back: `results.json` for what was run and how it ended, and
    /// every summary, target verdict and shard reference derived again from the raw samples of
    /// `samples.csv` (`summarize::derive`). The stored summaries are for readers of the JSON;
    /// nothing here trusts them. `path` may be the results folder or its `results.json`.
    pub fn load(path: &Path) -> anyhow::Result<RunResults> {
        let (dir, file) = if path.is_dir() {
            (path.to_path_buf(), path.join(Self::RESULTS_JSON))
        } else {
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            (dir, path.to_path_buf())
        };
        let text =
            fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let mut results: RunResults = serde_json::from_str(&text)
            .with_context(|| format!("parsing {} as dockbench results", file.display()))?;
        let samples = Self::load_samples(&dir)?;
        super::summarize::derive(&mut results, &samples);
        Ok(results)
    }

    fn write(&self) -> anyhow::Result<()> {
        write_json_atomic(&self.dir.join(Self::RESULTS_JSON), &self.results)?;
        let csv = samples_csv(&self.results.suite, self.samples.iter().flatten())?;
        write_atomic(&self.dir.join(Self::SAMPLES_CSV), &csv)
    }
}

/// The lock file in a results folder while a run writes it; removed when the store closes.
const LOCK_FILE: &str = ".lock";

impl Drop for ResultsStore {
    fn drop(&mut self) {
        // A killed run leaves it behind, unlocked (the kernel drops a dead process's locks),
        // which is harmless: the next store locks it again.
        if self._lock.take().is_some() {
            let _ = fs::remove_file(self.dir.join(LOCK_FILE));
        }
    }
}

/// Takes the folder's lock, or says which run holds it.
fn lock(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| SaveError {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is being written by another dockbench run (it holds {})",
            dir.display(),
            path.display()
        ),
        Err(fs::TryLockError::Error(source)) => Err(SaveError { path, source }.into()),
    }
}

/// A suite name as one path component: separators and other awkward characters become `_`, so
/// a name like `api/v2` cannot escape or nest inside the results root.
fn path_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.as_str() {
        "" | "." | ".." => "suite".to_string(),
        _ => safe,
    }
}

/// Long-form CSV: `suite,variant,metric,run,value,unit,started_at,others_cpu_share,load_1m`,
/// rows in the order given; `started_at` (UTC, RFC 3339) is when the sample's phase started,
/// the last two what else used the machine while a timed phase ran (empty when not measured).
pub(super) fn samples_csv<'a>(
    suite: &str,
    samples: impl Iterator<Item = &'a Sample>,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER)?;
    for s in samples {
        let run = s.run.to_string();
        // Display for f64 is the shortest text that reads back to the same number.
        let value = s.value.to_string();
        let unit = metric::unit_of(&s.metric).label();
        let started = s
            .started_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        let share = s
            .others_cpu_share
            .map(|x| x.to_string())
            .unwrap_or_default();
        let load = s.load_1m.map(|x| x.to_string()).unwrap_or_default();
        writer.write_record([
            suite, &s.variant, &s.metric, &run, &value, unit, &started, &share, &load,
        ])?;
    }
    writer.into_inner().context("finishing samples.csv")
}

fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut json = serde_json::to_vec_pretty(value)
        .with_context(|| format!("serializing {}", path.display()))?;
    json.push(b'\n');
    write_atomic(path, &json)
}

/// Writes `contents` to a temp file beside `path`, fsyncs it and renames it over `path`.
/// Replaces `path` with `contents` atomically (temp file in the same folder, fsync, rename), so
/// readers see the old file or the new one, never half of one. Every file dockbench writes for
/// others (results, exports, history) goes through here.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    // Named after the target, so a temp file left by a killed process is recognisable.
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temp files are owner-only by default; results are meant to be shared (CI artifacts,
    // teammates), so create them as `File::create` would: 0o666 less the umask.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let not_saved = |source: std::io::Error| SaveError {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = builder.tempfile_in(dir).map_err(not_saved)?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(not_saved)?;
    tmp.persist(path).map_err(|e| not_saved(e.error))?;
    sync_dir(dir);
    Ok(())
}

/// A file of the results (or an export) that could not be written: a full disk, a folder that
/// is not writable. The previous version of the file, if any, is intact (`write_atomic`).
#[derive(Debug, thiserror::Error)]
#[error("could not write {}: {source}", path.display())]
pub struct SaveError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Makes the rename itself durable. Best effort: some platforms and filesystems cannot fsync a
/// folder, and the data is already safe in the renamed file.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::results::testdata::{run_results, variant};
    use crate::results::{Environment, FailureKind, Status};

    /// A two-run `web` suite that has not finished yet.
    fn header() -> RunResults {
        RunResults {
            runs: 2,
            finished_at: None,
            environment: Environment {
                cpu_brand: "Test CPU".into(),
                cpu_logical_cores: 4,
                ..Environment::default()
            },
            ..run_results(Vec::new())
        }
    }

    fn cold_build(name: &str, cold_build_s: &[f64]) -> VariantResult {
        variant(name, &[("cold_build_s", cold_build_s)])
    }

    fn sample(variant: &str, metric: &str, run: u32, value: f64) -> Sample {
        Sample {
            started_at: None,
            others_cpu_share: None,
            load_1m: None,
            variant: variant.into(),
            metric: metric.into(),
            run,
            value,
        }
    }

    /// The folder's files, less the lock of a store still open.
    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != LOCK_FILE)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_folder_is_written_by_one_store_at_a_time_and_resumed_with_its_samples() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 29, 1, 2, 3).unwrap();
        let samples = [1.5, 2.25].map(|value| Sample {
            variant: "slim".into(),
            metric: "cold_build_s".into(),
            run: if value < 2.0 { 1 } else { 2 },
            value,
            started_at: Some(at),
            others_cpu_share: None,
            load_1m: None,
        });
        store
            .record_variant(cold_build("slim", &[1.5, 2.25]), &samples)
            .unwrap();
        let busy = ResultsStore::reopen(tmp.path(), "2026-11-29T02:00:00Z".into()).unwrap_err();
        assert!(
            busy.to_string()
                .contains("is being written by another dockbench run"),
            "{busy}"
        );
        drop(store);
        assert!(!tmp.path().join(LOCK_FILE).exists());
        let resumed = ResultsStore::reopen(tmp.path(), "2026-11-29T02:00:00Z".into()).unwrap();
        assert_eq!(resumed.results().resumed_at, ["2026-11-29T02:00:00Z"]);
        assert_eq!(ResultsStore::load_samples(tmp.path()).unwrap(), samples);
        assert_eq!(resumed.samples, [samples.to_vec()]);
    }

    #[test]
    fn create_writes_all_three_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested/run");
        ResultsStore::create(&dir, header()).unwrap();
        assert_eq!(
            file_names(&dir),
            ["environment.json", "results.json", "samples.csv"]
        );
        let csv = fs::read_to_string(dir.join("samples.csv")).unwrap();
        assert_eq!(
            csv,
            "suite,variant,metric,run,value,unit,started_at,others_cpu_share,load_1m\n"
        );
        let env: Environment =
            serde_json::from_str(&fs::read_to_string(dir.join("environment.json")).unwrap())
                .unwrap();
        assert_eq!(env, header().environment);
    }

    #[test]
    fn round_trip_through_load() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        let samples = [10.0, 12.0].map(|x| sample("slim", "cold_build_s", x as u32 - 9, x));
        store
            .record_variant(cold_build("slim", &[10.0, 12.0]), &samples)
            .unwrap();
        store.finish("2026-11-23T07:50:00Z".into()).unwrap();
        let loaded = ResultsStore::load(tmp.path()).unwrap();
        assert_eq!(&loaded, store.results());
        assert_eq!(loaded.finished_at.as_deref(), Some("2026-11-23T07:50:00Z"));
        let via_file = ResultsStore::load(&tmp.path().join("results.json")).unwrap();
        assert_eq!(via_file, loaded);
    }

    /// What a variant's status and failure kind say survives a load; a file written before
    /// either existed (an error string, the lost engine as its prefix) still reads, with the
    /// kind it implies.
    #[test]
    fn statuses_and_failure_kinds_load_and_older_files_still_read() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        let mut cut = cold_build("cut", &[1.0]);
        cut.status = Status::Interrupted;
        let mut going = cold_build("going", &[1.0]);
        going.status = Status::Running;
        let mut broke = cold_build("broke", &[1.0]);
        (broke.status, broke.error) = (Status::Failed, Some("exit 1".into()));
        broke.failure_kind = Some(FailureKind::Build);
        for v in [cut, going, broke] {
            let samples = [sample(&v.name, "cold_build_s", 1, 1.0)];
            store.record_variant(v, &samples).unwrap();
        }
        let loaded = ResultsStore::load(tmp.path()).unwrap();
        let got: Vec<(Status, Option<FailureKind>)> = loaded
            .variants
            .iter()
            .map(|v| (v.status, v.failure().map(|f| f.kind)))
            .collect();
        assert_eq!(
            got,
            [
                (Status::Interrupted, None),
                (Status::Running, None),
                (Status::Failed, Some(FailureKind::Build))
            ]
        );

        // Tables print how many rounds a cut-short variant's figures hold.
        let words: Vec<String> = loaded.variants.iter().map(|v| v.status_text()).collect();
        assert_eq!(
            words,
            [
                "interrupted (0 runs kept)",
                "running (0 runs kept)",
                "failed"
            ]
        );

        // As dockbench wrote it before: no `failure_kind`, the kind in the message's prefix.
        let path = tmp.path().join("results.json");
        let text = fs::read_to_string(&path).unwrap();
        let text = text.replace(r#""failure_kind": "build","#, "").replace(
            "exit 1",
            "not measured: the Docker engine stopped answering",
        );
        assert!(!text.contains("failure_kind"));
        fs::write(&path, text).unwrap();
        let old = ResultsStore::load(tmp.path()).unwrap();
        let broke = old.variants[2].failure().unwrap();
        assert_eq!(broke.kind, FailureKind::EngineLost);
        let mut other = old.variants[2].clone();
        other.error = Some("build failed at `RUN exit 3`".into());
        assert_eq!(other.failure().unwrap().kind, FailureKind::Unknown);
    }

    #[test]
    fn rewrites_leave_no_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        for name in ["a", "b", "a"] {
            store.record_variant(cold_build(name, &[1.0]), &[]).unwrap();
        }
        store.finish("2026-11-23T07:50:00Z".into()).unwrap();
        assert_eq!(
            file_names(tmp.path()),
            ["environment.json", "results.json", "samples.csv"]
        );
    }

    #[test]
    fn replaced_variant_keeps_its_place() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        let a1 = [sample("a", "cold_build_s", 1, 1.0)];
        let b1 = [sample("b", "cold_build_s", 1, 2.0)];
        let a2 = [sample("a", "cold_build_s", 1, 9.5)];
        store.record_variant(cold_build("a", &[1.0]), &a1).unwrap();
        store.record_variant(cold_build("b", &[2.0]), &b1).unwrap();
        store.record_variant(cold_build("a", &[9.5]), &a2).unwrap();
        let loaded = ResultsStore::load(tmp.path()).unwrap();
        let names: Vec<&str> = loaded.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(loaded.variants[0].metrics["cold_build_s"].median, 9.5);
        let csv = fs::read_to_string(tmp.path().join("samples.csv")).unwrap();
        assert_eq!(
            csv,
            "suite,variant,metric,run,value,unit,started_at,others_cpu_share,load_1m\n\
             web,a,cold_build_s,1,9.5,s,,,\n\
             web,b,cold_build_s,1,2,s,,,\n"
        );
    }

    #[test]
    fn csv_content_is_exact() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = ResultsStore::create(tmp.path(), header()).unwrap();
        let started = chrono::DateTime::parse_from_rfc3339("2026-11-28T13:03:22.25Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let samples = [
            Sample {
                started_at: Some(started),
                others_cpu_share: Some(0.48),
                load_1m: Some(2.5),
                ..sample("slim", "cold_build_s", 1, 12.25)
            },
            sample("slim", "image_size_bytes", 1, 52_400_000.0),
            sample("slim", "cache_hit_rate.source", 2, 0.6666666666666666),
            sample("slim", "rebuild_s.deps", 2, 3.0),
        ];
        store
            .record_variant(cold_build("slim", &[12.25]), &samples)
            .unwrap();
        let csv = fs::read_to_string(tmp.path().join("samples.csv")).unwrap();
        assert_eq!(
            csv,
            "suite,variant,metric,run,value,unit,started_at,others_cpu_share,load_1m\n\
             web,slim,cold_build_s,1,12.25,s,2026-11-28T13:03:22.250Z,0.48,2.5\n\
             web,slim,image_size_bytes,1,52400000,bytes,,,\n\
             web,slim,cache_hit_rate.source,2,0.6666666666666666,fraction,,,\n\
             web,slim,rebuild_s.deps,2,3,s,,,\n"
        );
        // Read back as written; the disturbed sample is flagged in the loaded results.
        assert_eq!(ResultsStore::load_samples(tmp.path()).unwrap(), samples);
        let loaded = ResultsStore::load(tmp.path()).unwrap();
        let flagged: Vec<(u32, &str)> = loaded.variants[0]
            .disturbed
            .iter()
            .map(|d| (d.run, d.metric.as_str()))
            .collect();
        assert_eq!(flagged, [(1, "cold_build_s")]);
        // A file from before these columns still reads, with nothing measured.
        fs::write(
            tmp.path().join("samples.csv"),
            "suite,variant,metric,run,value,unit,started_at\n\
             web,slim,cold_build_s,1,12.25,s,2026-11-28T13:03:22.250Z\n",
        )
        .unwrap();
        let old = ResultsStore::load_samples(tmp.path()).unwrap();
        assert_eq!(old[0].others_cpu_share, None);
        assert_eq!(old[0].value, 12.25);
    }

    #[test]
    fn default_dir_is_timestamped_and_unique() {
        let tmp = tempfile::tempdir().unwrap();
        let started = Utc.with_ymd_and_hms(2026, 11, 23, 7, 41, 5).unwrap();
        let first = ResultsStore::default_dir(tmp.path(), "web", started);
        assert_eq!(first, tmp.path().join("web/2026-11-23T07-41-05Z"));
        fs::create_dir_all(&first).unwrap();
        let second = ResultsStore::default_dir(tmp.path(), "web", started);
        assert_eq!(second, tmp.path().join("web/2026-11-23T07-41-05Z-2"));
        fs::create_dir_all(&second).unwrap();
        let third = ResultsStore::default_dir(tmp.path(), "web", started);
        assert_eq!(third, tmp.path().join("web/2026-11-23T07-41-05Z-3"));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_not_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        ResultsStore::create(&dir, header()).unwrap();
        let std_mode = {
            let probe = tmp.path().join("probe");
            File::create(&probe).unwrap();
            probe.metadata().unwrap().permissions().mode()
        };
        for name in file_names(&dir) {
            let mode = dir.join(&name).metadata().unwrap().permissions().mode();
            assert_eq!(mode, std_mode, "{name}");
        }
    }

    #[test]
    fn suite_names_stay_one_path_component() {
        assert_eq!(path_safe("api/v2"), "api_v2");
        assert_eq!(path_safe("my suite:1"), "my_suite_1");
        assert_eq!(path_safe(".."), "suite");
        assert_eq!(path_safe("web-1.2_x"), "web-1.2_x");
    }

    #[test]
    fn load_errors_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let err = ResultsStore::load(tmp.path()).unwrap_err();
        assert!(format!("{err:#}").contains("results.json"), "{err:#}");
        fs::write(tmp.path().join("results.json"), "{}").unwrap();
        let err = ResultsStore::load(tmp.path()).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("parsing") && msg.contains("results.json"),
            "{msg}"
        );
    }
}
