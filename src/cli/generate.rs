//! `dockbench completions` and `dockbench man`: files generated from the clap definitions, so
//! they can never disagree with the flags the binary accepts.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::{Cli, EXIT_OK};

/// The completion script for `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<i32> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    // Into memory first: clap_complete panics on a write error, and `| head` is one.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    to_stdout(&script)?;
    Ok(EXIT_OK)
}

/// Writes `bytes` to stdout; a reader that stopped reading (`| head`) is no error.
fn to_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// With `out`: dockbench.1 and a page per command (dockbench-run.1, ...) in that folder.
/// Without: dockbench.1 on stdout.
pub fn man(out: Option<&Path>) -> anyhow::Result<i32> {
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        }
        None => {
            let mut page = Vec::new();
            main_page(&mut page)?;
            to_stdout(&page)?;
        }
    }
    Ok(EXIT_OK)
}

fn main_page(w: &mut dyn std::io::Write) -> anyhow::Result<()> {
    // As `generate_to` does: clap's `help` command has no page to refer to.
    let cmd = Cli::command().disable_help_subcommand(true);
    clap_mangen::Man::new(cmd).render(w)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// roff that man(1) reads: the title macro first (after clap_mangen's definition of the
    /// apostrophe string, which must come before any text), then the sections.
    fn assert_roff(page: &str, title: &str) {
        let body = page
            .strip_prefix(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n")
            .unwrap_or(page);
        assert!(body.starts_with(&format!(".TH {title} 1 ")), "{page}");
        assert!(page.contains("\n.SH NAME\n"), "{page}");
        assert!(page.contains("\n.SH SYNOPSIS\n"), "{page}");
    }

    /// Where groff is installed, it formats the page with every warning on and says nothing.
    fn groff_accepts(page: &Path) {
        let Ok(out) = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(page)
            .output()
        else {
            return;
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}: {stderr}",
            page.display()
        );
    }

    #[test]
    fn the_man_page_is_roff_with_every_command() {
        let mut page = Vec::new();
        main_page(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert_roff(&page, "dockbench");
        for command in ["run", "validate", "merge", "completions", "man"] {
            assert!(
                page.contains(&format!("dockbench\\-{command}")),
                "{command}"
            );
        }
        assert!(page.contains("\\-\\-quiet"), "{page}");
        assert!(!page.contains("dockbench\\-help"), "{page}");
    }

    #[test]
    fn man_out_writes_a_page_per_command() {
        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path())).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(names.contains(&"dockbench.1".to_string()), "{names:?}");
        let run = std::fs::read_to_string(dir.path().join("dockbench-run.1")).unwrap();
        assert_roff(&run, "dockbench-run");
        assert!(run.contains("\\-r\\fR, \\fB\\-\\-runs"), "{run}");
        for name in &names {
            groff_accepts(&dir.path().join(name));
        }
        // No page for clap's own `help`.
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}
