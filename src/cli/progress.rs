//! The progress display: which variant, which phase, which repetition. Goes to stderr, and only
//! when stderr is a terminal, so piped output and CI logs stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::measure::{Observer, Phase};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `total_phases`: how many phases the whole suite will run (for the bar's length).
    pub fn new(enabled: bool, total_phases: u64) -> Progress {
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
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
        Progress { bar: Some(bar) }
    }

    /// Prints a line above the bar (or plainly when there is no bar).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Moves the bar to `position` phases done (a failed variant skips its remaining phases).
    pub fn jump_to(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.set_message("");
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn phase(&self, variant: &str, phase: &Phase, rep: u32, runs: u32) {
        if let Some(bar) = &self.bar {
            // The previous phase is done once the next one starts.
            if !bar.message().is_empty() {
                bar.inc(1);
            }
            bar.set_message(format!("{variant}: {phase} (run {rep}/{runs})"));
        }
    }
}
