//! Exit codes, ripgrep-style: each one means something a script can act on. `EXIT_CODES` is
//! the one table of them: `--help` prints it and the README copies it (a test keeps the two
//! equal), and `code_of` maps every error to its code in this one place.

use crate::results::SaveError;

pub const EXIT_OK: i32 = 0;
/// The run finished, but a variant failed, a target was missed or a claim did not hold.
pub const EXIT_FAILURES: i32 = 1;
/// Nothing could be measured: bad suite, missing file, unreachable engine.
pub const EXIT_UNUSABLE: i32 = 2;
/// The engine stopped answering mid-run: what was measured is saved; `--resume` continues.
pub const EXIT_ENGINE_LOST: i32 = 3;
/// Measured, but the results could not be written (a full disk, an unwritable folder).
pub const EXIT_NOT_SAVED: i32 = 4;
/// Ctrl-C: what was measured is saved.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Every exit code and its meaning, as `--help` shows it.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    every variant measured, every target met, every claim held
  1    measured, but a variant failed, a target was missed or a claim did not hold
       (compare: a regression)
  2    nothing measured: bad input (suite, flags, results folder) or no engine at the start
  3    the engine stopped answering mid-run; what was measured is saved (run --resume DIR)
  4    measured, but the results could not be written (full disk, unwritable folder)
  130  interrupted (Ctrl-C); what was measured is saved (run --resume DIR)";

/// The engine stopped answering mid-run; the message says what was kept and how to resume.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EngineLost(pub String);

/// The exit code of a command that ended in `error`: the typed errors that have a code of
/// their own, wherever they sit in the chain; anything else is bad input (2).
pub fn code_of(error: &anyhow::Error) -> i32 {
    for cause in error.chain() {
        if cause.is::<EngineLost>() {
            return EXIT_ENGINE_LOST;
        }
        if cause.is::<SaveError>() {
            return EXIT_NOT_SAVED;
        }
    }
    EXIT_UNUSABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stop_has_its_code_wherever_it_sits_in_the_chain() {
        let lost = anyhow::Error::new(EngineLost("gone".into())).context("measuring");
        assert_eq!(code_of(&lost), EXIT_ENGINE_LOST);
        let full = anyhow::Error::new(SaveError {
            path: "/r/results.json".into(),
            source: std::io::Error::from_raw_os_error(28),
        })
        .context("recording variant a");
        assert_eq!(code_of(&full), EXIT_NOT_SAVED);
        assert!(format!("{full:#}").contains("could not write /r/results.json: "));
        assert_eq!(code_of(&anyhow::anyhow!("bad suite")), EXIT_UNUSABLE);
    }

    /// The README's table is this one, line for line.
    #[test]
    fn the_readme_shows_the_same_table() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(EXIT_CODES),
            "README.md must contain EXIT_CODES verbatim:\n{EXIT_CODES}"
        );
        for code in [
            EXIT_OK,
            EXIT_FAILURES,
            EXIT_UNUSABLE,
            EXIT_ENGINE_LOST,
            EXIT_NOT_SAVED,
            EXIT_INTERRUPTED,
        ] {
            assert!(EXIT_CODES.contains(&format!("\n  {code} ")), "{code}");
        }
    }
}
