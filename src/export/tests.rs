//! The results every exporter is tested on, and the tests of `export` itself.

use super::*;
use crate::analysis::Analysis;
use crate::metric::Direction;
use crate::results::testdata::{failed, run_results, variant, with_targets};

/// A finished run: a fully measured variant with targets, a single-sample one and a failed one.
pub(crate) fn sample_results() -> RunResults {
    let alpine = with_targets(
        variant(
            "alpine",
            &[
                ("cold_build_s", &[12.1, 12.31, 12.9]),
                ("rebuild_s.source", &[2.2, 2.4, 2.3]),
                ("cache_hit_rate.source", &[0.875, 0.875, 0.875]),
                ("image_size_bytes", &[52_412_345.0; 3]),
                ("startup_s", &[0.234, 0.221, 0.250]),
            ],
        ),
        &[
            ("cold_build_s", 180.0, "3m", Direction::AtMost),
            ("cache_hit_rate.source", 0.9, "90%", Direction::AtLeast),
        ],
    );
    let build_only = variant(
        "build-only",
        &[
            ("cold_build_s", &[95.0]),
            ("image_size_bytes", &[123_456_789.0]),
        ],
    );
    let broken = failed("broken", "exit code: 1");
    run_results(vec![alpine, build_only, broken])
}

#[test]
fn export_writes_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let results = sample_results();
    for format in ExportFormat::ALL {
        let path = tmp.path().join(format!("out.{}", format.name()));
        export(
            &results,
            &crate::analysis::Analysis::of(&results),
            format,
            &path,
        )
        .unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(
            written,
            render(&results, &Analysis::of(&results), format).unwrap(),
            "{format:?}"
        );
        // Rewriting replaces the file whole.
        export(
            &results,
            &crate::analysis::Analysis::of(&results),
            format,
            &path,
        )
        .unwrap();
    }
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        ExportFormat::ALL.len(),
        "no temp files left: {names:?}"
    );
}

#[test]
fn export_errors_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("missing/out.csv");
    let err = export(
        &sample_results(),
        &crate::analysis::Analysis::of(&sample_results()),
        ExportFormat::Csv,
        &path,
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("missing/out.csv"), "{err:#}");
}

#[test]
fn formats_by_name_and_flag() {
    for format in ExportFormat::ALL {
        assert_eq!(format.name().parse(), Ok(format));
    }
    assert_eq!(
        ExportFormat::GithubBenchmark.flag(),
        "--export-github-benchmark"
    );
    assert!("xml"
        .parse::<ExportFormat>()
        .unwrap_err()
        .contains("bencher"));
}

#[test]
fn stored_summaries_are_not_trusted() {
    let mut results = sample_results();
    let stored = results.variants[0].metrics.get_mut("cold_build_s").unwrap();
    stored.median = 999.0;
    // Written with its samples and read back, as `dockbench report` reads a folder.
    let dir = tempfile::tempdir().unwrap();
    crate::results::testdata::write_folder(dir.path(), &results);
    let results = crate::results::ResultsStore::load(dir.path()).unwrap();
    let csv =
        String::from_utf8(render(&results, &Analysis::of(&results), ExportFormat::Csv).unwrap())
            .unwrap();
    assert!(csv.contains("alpine,cold_build_s,s,12.31,"), "{csv}");
}
