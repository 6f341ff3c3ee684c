//! Command line: clap definitions, their conversion into validated settings, and the commands.

mod capabilities;
mod clean;
mod doctor;
pub mod exit;
mod generate;
mod merge;
pub mod out;
pub mod progress;
mod run;
mod validate;
pub mod verbosity;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use exit::{
    EXIT_ENGINE_LOST, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_NOT_SAVED, EXIT_OK, EXIT_UNUSABLE,
};
pub use verbosity::Verbosity;

#[derive(Debug, Parser)]
#[command(
    name = "dockbench",
    version,
    about = "Benchmark Dockerfile variants on a real Docker engine",
    after_help = exit::EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// The docker CLI context whose engine to use (beats DOCKER_HOST and DOCKER_CONTEXT, as
    /// `docker --context` does).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Print only errors, warnings and the results: no progress display, no informational
    /// lines.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail: the engine used, and each phase of each repetition as it starts.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to colour the verdicts and misses in the terminal output: auto (standard output is
    /// a terminal and NO_COLOR is not set), always or never.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: crate::report::paint::ColorWhen,
}

/// `--format` of the commands whose output a script may want to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for a person to read.
    #[default]
    Text,
    /// One JSON document on stdout with the same facts.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure every variant of the suites and write a results folder per suite.
    Run(RunArgs),
    /// Render charts, report.md and report.html into a results folder (`run` does this itself
    /// unless --no-report).
    Report {
        #[arg(value_name = "RESULTS_DIR")]
        dir: PathBuf,
        /// Judge the claims and take the reference of this suite file instead of those the run
        /// recorded (claims added or reworded after the run; the samples are the same).
        #[arg(long, value_name = "SUITE.toml")]
        suite: Option<PathBuf>,
        /// The variant every other is compared with (overrides the suite's and the run's).
        #[arg(long, value_name = "NAME")]
        reference: Option<String>,
        #[command(flatten)]
        exports: ExportArgs,
    },
    /// Collect the runs stored under a folder into history.csv and draw a trend chart per metric.
    History {
        #[arg(value_name = "RESULTS_ROOT")]
        root: PathBuf,
        /// Where history.csv and charts/ go (default: RESULTS_ROOT).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check suite files without Docker.
    Validate {
        #[arg(required = true, value_name = "SUITE.toml")]
        suites: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Compare two results folders; exit 1 on a real regression (significant and beyond the
    /// threshold), never on noise.
    Compare {
        #[arg(value_name = "BASE_DIR")]
        base: PathBuf,
        #[arg(value_name = "HEAD_DIR")]
        head: PathBuf,
        /// markdown (a PR comment), json or text.
        #[arg(long, default_value = "markdown", value_parser = clap::value_parser!(crate::compare::OutputFormat))]
        format: crate::compare::OutputFormat,
        /// A change counts only beyond this share of the base median.
        #[arg(long, default_value = "5%", value_parser = crate::compare::parse_threshold)]
        threshold: f64,
    },
    /// Check the Docker engine, BuildKit, and the base images the bundled suites need.
    Doctor {
        /// Folder searched for bundled suites.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Merge results folders of one suite (CI shards, the rounds of an interleaved benchmark)
    /// into one: samples concatenated, summaries and targets recomputed, each input's
    /// environment and every note kept. Refused (exit 2) for different suites or a folder
    /// given twice.
    Merge {
        /// Where the merged folder goes; it must not exist or be empty. (Without --out, the
        /// first folder named is where it goes: the old form, deprecated.)
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(required = true, value_name = "RESULTS_DIR")]
        inputs: Vec<PathBuf>,
    },
    /// Remove the containers, images, networks and volumes of dockbench runs that are no
    /// longer alive (killed, crashed, lost). A live run's and anything unlabelled stay.
    Clean {
        /// List what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the shell completion script for SHELL to stdout (e.g. `dockbench completions bash
    /// > /etc/bash_completion.d/dockbench`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages: dockbench.1 and one per command (dockbench-run.1, ...) into DIR, or
    /// dockbench.1 alone to stdout.
    Man {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `--runs`: a number, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Runs {
    Fixed(u32),
    Auto,
}

fn parse_runs(text: &str) -> Result<Runs, String> {
    if text == "auto" {
        return Ok(Runs::Auto);
    }
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Runs::Fixed(n)),
        _ => Err(format!(
            "expected a number of runs >= 1 or `auto`, found `{text}`"
        )),
    }
}

fn parse_budget(text: &str) -> Result<std::time::Duration, String> {
    match crate::scenario::units::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("the budget must be greater than 0".to_string()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.0),
    }
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[arg(required = true, value_name = "SUITE.toml")]
    pub suites: Vec<PathBuf>,
    /// Repetitions per variant, or `auto`: 3 rounds, then more for the variants whose
    /// comparisons are still undecided, until each is decided, at --max-runs, or out of
    /// --budget (overrides the suite's `runs`).
    #[arg(short, long, value_name = "N|auto", value_parser = parse_runs)]
    pub runs: Option<Runs>,
    /// With `runs = "auto"`: rounds per variant at most (default 10, or the suite's
    /// `max_runs`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(3..))]
    pub max_runs: Option<u32>,
    /// With `runs = "auto"`: the run's wall time at most, like 20m (or the suite's `budget`);
    /// no repetition starts that would end past it.
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    pub budget: Option<std::time::Duration>,
    /// Measure only this variant (repeatable).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// In which order the variants' repetitions run: interleaved (repetition 1 of every
    /// variant, then repetition 2, ..., rotating which variant goes first) or sequential (every
    /// repetition of one variant before the next).
    #[arg(long, value_enum, default_value = "interleaved")]
    pub order: crate::measure::Order,
    /// The variant every other is compared with (overrides the suite's `reference`; without
    /// either, the first variant).
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    /// A claim that does not hold does not fail the run (exit code 1), as it otherwise does,
    /// like a missed target. For exploratory suites; the suite's `claims_exit = false` does
    /// the same.
    #[arg(long)]
    pub no_claims_exit: bool,
    /// Results folder. Default: results/<suite>/<UTC timestamp>/. With several suites, each
    /// gets a subfolder named after it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not show the progress display (--quiet hides it too).
    #[arg(long)]
    pub no_progress: bool,
    /// Keep the images dockbench built (they are removed at the end by default).
    #[arg(long)]
    pub keep_images: bool,
    /// Do not render charts, report.md and report.html at the end.
    #[arg(long)]
    pub no_report: bool,
    /// Measure only this shard's variants (K of N, like 2/4), and the reference in every
    /// shard; the split is stable when variants are added. `dockbench merge` joins the shards.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::scenario::shard::Shard>,
    /// Balance the shards by each variant's last measured duration in this results root (the
    /// history a scheduled job keeps): longest first, each to the shard with the least work.
    /// Variants it has not seen go by their hash. Every shard must read the same history.
    #[arg(long, value_name = "RESULTS_ROOT", requires = "shard")]
    pub balance_from: Option<PathBuf>,
    /// Continue the interrupted run in this results folder: measure only the repetitions it
    /// lacks, into the same folder. Refused (exit 2) when the suite or a file it names changed.
    #[arg(long, value_name = "RESULTS_DIR")]
    pub resume: Option<PathBuf>,
    #[command(flatten)]
    pub exports: ExportArgs,
}

/// hyperfine-style export flags, shared by `run` and `report`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExportArgs {
    /// Write results.json's content to FILE as well.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// One row per variant and metric: median, mean, stddev, min, max, n.
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// The summary table as markdown.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// github-action-benchmark's customSmallerIsBetter JSON.
    #[arg(long, value_name = "FILE")]
    pub export_github_benchmark: Option<PathBuf>,
    /// Bencher Metric Format JSON.
    #[arg(long, value_name = "FILE")]
    pub export_bencher: Option<PathBuf>,
}

impl ExportArgs {
    pub fn requested(&self) -> Vec<(crate::export::ExportFormat, PathBuf)> {
        use crate::export::ExportFormat as F;
        [
            (F::Json, &self.export_json),
            (F::Csv, &self.export_csv),
            (F::Markdown, &self.export_markdown),
            (F::GithubBenchmark, &self.export_github_benchmark),
            (F::Bencher, &self.export_bencher),
        ]
        .into_iter()
        .filter_map(|(f, p)| p.clone().map(|p| (f, p)))
        .collect()
    }

    /// Writes every requested export. With several suites, each file name gets `-<suite>`.
    pub fn write(
        &self,
        results: &crate::results::RunResults,
        analysis: &crate::analysis::Analysis,
        several_suites: bool,
    ) -> anyhow::Result<()> {
        for (format, path) in self.requested() {
            let path = if several_suites {
                suffixed(&path, &results.suite)
            } else {
                path
            };
            crate::export::export(results, analysis, format, &path)?;
        }
        Ok(())
    }
}

/// `out/bench.json` + `api` -> `out/bench-api.json`.
fn suffixed(path: &std::path::Path, suite: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{suite}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{suite}"),
    };
    path.with_file_name(name)
}

/// Runs the parsed command; returns the process exit code.
pub async fn execute(cli: Cli) -> i32 {
    let context = cli.context.as_deref();
    let verbosity = Verbosity::from_flags(cli.quiet, cli.verbose);
    let paint = crate::report::paint::Paint::for_stdout(cli.color);
    let result = match cli.command {
        Command::Run(args) => run::run(args, context, verbosity, paint).await,
        Command::Report {
            dir,
            suite,
            reference,
            exports,
        } => report(
            &dir,
            suite.as_deref(),
            reference,
            &exports,
            verbosity,
            paint,
        ),
        Command::History { root, out } => history(&root, out.as_deref()),
        Command::Validate { suites, format } => Ok(validate::validate(&suites, format)),
        Command::Compare {
            base,
            head,
            format,
            threshold,
        } => compare(&base, &head, format, threshold, paint),
        Command::Doctor { scenarios, format } => doctor::doctor(&scenarios, context, format).await,
        Command::Clean { dry_run, format } => clean::clean(dry_run, context, format).await,
        Command::Merge { out, inputs } => merge::merge(out, inputs, verbosity),
        Command::Completions { shell } => generate::completions(shell),
        Command::Man { out } => generate::man(out.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code_of(&e)
        }
    }
}

fn compare(
    base: &std::path::Path,
    head: &std::path::Path,
    format: crate::compare::OutputFormat,
    threshold: f64,
    paint: crate::report::paint::Paint,
) -> anyhow::Result<i32> {
    let settings = crate::compare::CompareSettings {
        threshold,
        ..Default::default()
    };
    let comparison = crate::compare::compare_dirs(base, head, &settings)?;
    // The text is for a terminal: its width and colour; the other formats are for files.
    let rendered = match format {
        crate::compare::OutputFormat::Text => {
            crate::compare::painted_text(&comparison, crate::report::terminal_width(), paint)
        }
        _ => crate::compare::render(&comparison, format),
    };
    crate::outln!("{rendered}");
    Ok(if comparison.has_regression() {
        EXIT_FAILURES
    } else {
        EXIT_OK
    })
}

fn report(
    dir: &std::path::Path,
    suite: Option<&std::path::Path>,
    reference: Option<String>,
    exports: &ExportArgs,
    verbosity: Verbosity,
    paint: crate::report::paint::Paint,
) -> anyhow::Result<i32> {
    let mut results = crate::results::ResultsStore::load(dir)?;
    if let Some(path) = suite {
        let suite = crate::scenario::load_suite(path)?;
        if suite.name != results.suite {
            anyhow::bail!(
                "{} is suite `{}`, but {} holds a run of suite `{}`",
                path.display(),
                suite.name,
                dir.display(),
                results.suite
            );
        }
        results.claims = suite.claims;
        results.reference = suite.reference;
    }
    if let Some(name) = reference {
        if !results.variants.iter().any(|v| v.name == name) {
            let names: Vec<&str> = results.variants.iter().map(|v| v.name.as_str()).collect();
            anyhow::bail!(
                "--reference {name}: the run has no such variant (it has: {})",
                names.join(", ")
            );
        }
        results.reference = Some(name);
    }
    let analysis = crate::analysis::Analysis::of(&results);
    exports.write(&results, &analysis, false)?;
    let written = crate::report::render_report(dir, &results, &analysis)?;
    let width = crate::report::terminal_width();
    let heading = crate::report::heading(&results, dir);
    crate::out!("{}", crate::report::table::wrapped(&heading, "", width));
    let summary = crate::report::painted_summary(&results, &analysis, width, paint);
    crate::outln!("{summary}");
    if verbosity.shows_info() {
        crate::outln!(
            "wrote {} files; open {}",
            written.len(),
            dir.join("report.html").display()
        );
    }
    Ok(EXIT_OK)
}

fn history(root: &std::path::Path, out: Option<&std::path::Path>) -> anyhow::Result<i32> {
    let out = out.unwrap_or(root);
    let rows = crate::history::collect(root)?;
    if rows.is_empty() {
        anyhow::bail!("no finished results.json under {}", root.display());
    }
    std::fs::create_dir_all(out)?;
    let csv_path = out.join(crate::history::HISTORY_CSV);
    crate::history::write_csv(&rows, &csv_path)?;
    let charts = crate::report::render_trends(&rows, &out.join("charts"))?;
    crate::outln!(
        "{} rows -> {}; {} trend chart files in {}",
        rows.len(),
        csv_path.display(),
        charts.len(),
        out.join("charts").display()
    );
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_get_the_suite_when_there_are_several() {
        assert_eq!(
            suffixed(std::path::Path::new("out/b.json"), "api"),
            PathBuf::from("out/b-api.json")
        );
        assert_eq!(
            suffixed(std::path::Path::new("b"), "api"),
            PathBuf::from("b-api")
        );
    }

    #[test]
    fn run_flags_parse_into_exports() {
        let cli = Cli::try_parse_from([
            "dockbench",
            "run",
            "s.toml",
            "--export-csv",
            "a.csv",
            "--export-bencher",
            "b.json",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("run")
        };
        let formats: Vec<_> = args
            .exports
            .requested()
            .into_iter()
            .map(|(f, _)| f.name())
            .collect();
        assert_eq!(formats, ["csv", "bencher"]);
    }
}
