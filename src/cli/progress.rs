//! The progress display: which variant, which phase, which repetition. Goes to stderr, and only
//! when stderr is a terminal, so piped output and CI logs stay clean. With `-v`, each phase is
//! also a line of its own, which is what a CI log (no bar) can show of where the time went.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::Verbosity;
use crate::measure::{Observer, Phase};

pub struct Progress {
    bar: Option<ProgressBar>,
    verbosity: Verbosity,
}

impl Progress {
    /// `total_phases`: how many phases the whole suite will run (for the bar's length).
    pub fn new(enabled: bool, verbosity: Verbosity, total_phases: u64) -> Progress {
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                verbosity,
            };
        }
        let bar = ProgressBar::new(total_phases);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress {
            bar: Some(bar),
            verbosity,
        }
    }

    /// Prints a line above the bar (or plainly when there is no bar), at every verbosity: for
    /// failures and other news the user must see.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Prints an informational line, unless quiet.
    pub fn info(&self, line: &str) {
        if self.verbosity.shows_info() {
            self.println(line);
        }
    }

    /// Moves the bar to `position` phases done (a failed variant skips its remaining phases).
    pub fn jump_to(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.set_message("");
        }
    }

    /// The plan grew (a run sampled until decided planned another round): the bar's new length.
    pub fn set_total(&self, total_phases: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total_phases);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What the bar says during a phase, and the line `-v` prints when it starts.
fn phase_text(variant: &str, phase: &Phase, rep: u32, runs: u32) -> String {
    format!("{variant}: {phase} (run {rep}/{runs})")
}

impl Observer for Progress {
    fn phase(&self, variant: &str, phase: &Phase, rep: u32, runs: u32) {
        let text = phase_text(variant, phase, rep, runs);
        if self.verbosity.shows_detail() {
            self.println(&text);
        }
        if let Some(bar) = &self.bar {
            // The previous phase is done once the next one starts.
            if !bar.message().is_empty() {
                bar.inc(1);
            }
            bar.set_message(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_line_names_the_variant_and_the_repetition() {
        assert_eq!(
            phase_text("slim", &Phase::Cold, 2, 5),
            "slim: cold build (run 2/5)"
        );
    }
}
