//! How much the commands say besides their results: `-q` and `-v`, as cargo and hyperfine have
//! them. Errors, warnings and the results themselves print at every level.

use std::fmt::Display;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: no progress display, no informational lines.
    Quiet,
    #[default]
    Normal,
    /// `-v`: the informational lines and more detail where there is some.
    Verbose,
}

impl Verbosity {
    /// clap makes the two flags conflict, so at most one is set.
    pub fn from_flags(quiet: bool, verbose: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }

    /// Lines that say what is going on (what is measured, where the results go, notes).
    pub fn shows_info(self) -> bool {
        self >= Verbosity::Normal
    }

    /// Lines only `-v` wants.
    pub fn shows_detail(self) -> bool {
        self == Verbosity::Verbose
    }

    /// Prints an informational line on stderr, unless quiet.
    pub fn info(self, line: impl Display) {
        if self.shows_info() {
            eprintln!("{line}");
        }
    }

    /// Prints a line of detail on stderr, only when verbose.
    pub fn detail(self, line: impl Display) {
        if self.shows_detail() {
            eprintln!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn verbosity(args: &[&str]) -> Result<Verbosity, clap::Error> {
        let cli = Cli::try_parse_from(args)?;
        Ok(Verbosity::from_flags(cli.quiet, cli.verbose))
    }

    /// The flags are global: before or after the command, short or long.
    #[test]
    fn quiet_and_verbose_are_global_and_exclusive() {
        assert_eq!(
            verbosity(&["dockbench", "validate", "s.toml"]).unwrap(),
            Verbosity::Normal
        );
        assert_eq!(
            verbosity(&["dockbench", "-q", "validate", "s.toml"]).unwrap(),
            Verbosity::Quiet
        );
        assert_eq!(
            verbosity(&["dockbench", "run", "s.toml", "--verbose"]).unwrap(),
            Verbosity::Verbose
        );
        assert_eq!(
            verbosity(&["dockbench", "run", "-v", "s.toml"]).unwrap(),
            Verbosity::Verbose
        );
        let both = verbosity(&["dockbench", "-q", "-v", "validate", "s.toml"]).unwrap_err();
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(Verbosity::Normal.shows_info() && !Verbosity::Normal.shows_detail());
        assert!(!Verbosity::Quiet.shows_info());
        assert!(Verbosity::Verbose.shows_info() && Verbosity::Verbose.shows_detail());
    }

    fn run_settings(args: &[&str]) -> crate::cli::run::RunSettings {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let suite = dir.path().join("s.toml");
        std::fs::write(&suite, "name = \"s\"\n[[variant]]\nname = \"a\"\n").unwrap();
        let mut argv = vec!["dockbench", "run", suite.to_str().unwrap()];
        argv.extend(args);
        let cli = Cli::try_parse_from(argv).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("run")
        };
        crate::cli::run::settings(run, Verbosity::from_flags(cli.quiet, cli.verbose)).unwrap()
    }

    /// -q hides the bar as --no-progress does; -v keeps it.
    #[test]
    fn quiet_hides_the_progress_display() {
        assert!(run_settings(&[]).progress);
        assert!(!run_settings(&["--no-progress"]).progress);
        assert!(!run_settings(&["-q"]).progress);
        let verbose = run_settings(&["-v", "-r", "4"]);
        assert!(verbose.progress);
        assert_eq!(verbose.verbosity, Verbosity::Verbose);
        assert_eq!(verbose.runs_override, Some(4));
    }
}
