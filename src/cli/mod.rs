//! Command line: clap definitions, their conversion into validated settings, and the commands.

mod doctor;
pub mod progress;
mod run;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit codes, ripgrep-style: each one means something a script can act on.
pub const EXIT_OK: i32 = 0;
/// The run finished, but a variant failed or a target was missed.
pub const EXIT_FAILURES: i32 = 1;
/// Nothing could be measured: bad suite, missing file, unreachable engine.
pub const EXIT_UNUSABLE: i32 = 2;
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug, Parser)]
#[command(
    name = "dockbench",
    version,
    about = "Benchmark Dockerfile variants on a real Docker engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
    },
    /// Check suite files without Docker.
    Validate {
        #[arg(required = true, value_name = "SUITE.toml")]
        suites: Vec<PathBuf>,
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
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[arg(required = true, value_name = "SUITE.toml")]
    pub suites: Vec<PathBuf>,
    /// Repetitions per variant (overrides the suite's `runs`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: Option<u32>,
    /// Measure only this variant (repeatable).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Results folder. Default: results/<suite>/<UTC timestamp>/. With several suites, each
    /// gets a subfolder named after it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not show the progress display.
    #[arg(long)]
    pub no_progress: bool,
    /// Keep the images dockbench built (they are removed at the end by default).
    #[arg(long)]
    pub keep_images: bool,
    /// Do not render charts, report.md and report.html at the end.
    #[arg(long)]
    pub no_report: bool,
}

/// Runs the parsed command; returns the process exit code.
pub async fn execute(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Report { dir } => report(&dir),
        Command::Validate { suites } => Ok(validate::validate(&suites)),
        Command::Compare {
            base,
            head,
            format,
            threshold,
        } => compare(&base, &head, format, threshold),
        Command::Doctor { scenarios } => doctor::doctor(&scenarios).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_UNUSABLE
        }
    }
}

fn compare(
    base: &std::path::Path,
    head: &std::path::Path,
    format: crate::compare::OutputFormat,
    threshold: f64,
) -> anyhow::Result<i32> {
    let settings = crate::compare::CompareSettings {
        threshold,
        ..Default::default()
    };
    let comparison = crate::compare::compare_dirs(base, head, &settings)?;
    println!("{}", crate::compare::render(&comparison, format));
    Ok(if comparison.has_regression() {
        EXIT_FAILURES
    } else {
        EXIT_OK
    })
}

fn report(dir: &std::path::Path) -> anyhow::Result<i32> {
    let results = crate::results::ResultsStore::load(dir)?;
    let written = crate::report::render_report(dir, &results)?;
    println!("wrote {} files; open {}", written.len(), dir.join("report.html").display());
    Ok(EXIT_OK)
}
