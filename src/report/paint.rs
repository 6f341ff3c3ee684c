//! Colour for the terminal: verdicts, marks and misses in green, red or yellow, and nothing else.
//!
//! Whether to colour is decided once, from `--color` and (for `auto`) what anstream detects
//! about standard output: `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`, `TERM` and whether it is a
//! terminal. The writers take a [`Paint`] and only ever *insert* SGR codes around text they
//! have already laid out, so colour never changes a width, a wrap or a word.

use anstyle::{AnsiColor, Style};

use crate::analysis::answer::Tone;

/// `--color`: when the terminal output is coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// When standard output is a terminal that takes colour and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always, even piped or under NO_COLOR (a flag beats the environment, as no-color.org asks).
    Always,
    /// Never.
    Never,
}

/// What the environment says about colour on a stream, as anstream reads it: the facts the
/// `auto` decision depends on, kept apart so the decision is tested without touching the
/// process's environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// `NO_COLOR` set to a non-empty value (no-color.org).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` set to a non-empty value: colour even when piped.
    pub clicolor_force: bool,
    /// `CLICOLOR=0` turns colour off; any other value turns it on where the stream takes it.
    pub clicolor: Option<bool>,
    /// `TERM` is set and not `dumb`.
    pub term_supports_color: bool,
    /// A CI service's `CI` variable: its log viewer takes colour.
    pub is_ci: bool,
    /// The stream is a terminal.
    pub is_terminal: bool,
}

impl Detected {
    /// Standard output's facts, read by anstyle-query (anstream's own reader).
    pub fn stdout() -> Detected {
        use std::io::IsTerminal;
        Detected {
            no_color: anstyle_query::no_color(),
            clicolor_force: anstyle_query::clicolor_force(),
            clicolor: anstyle_query::clicolor(),
            term_supports_color: anstyle_query::term_supports_color(),
            is_ci: anstyle_query::is_ci(),
            is_terminal: std::io::stdout().is_terminal(),
        }
    }
}

/// Whether to colour: the flag first, then for `auto` the rules anstream applies
/// (`AutoStream::choice`): NO_COLOR beats CLICOLOR_FORCE, which beats CLICOLOR=0; otherwise
/// colour only on a terminal that takes it.
pub fn decide(when: ColorWhen, detected: &Detected) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if detected.no_color {
                false
            } else if detected.clicolor_force {
                true
            } else if detected.clicolor == Some(false) {
                false
            } else {
                detected.is_terminal
                    && (detected.term_supports_color
                        || detected.clicolor == Some(true)
                        || detected.is_ci)
            }
        }
    }
}

/// Colours text when on; returns it as it is when off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// No colour: what files, snapshots and pipes get.
    pub const PLAIN: Paint = Paint { on: false };

    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    /// From `--color` and standard output's environment.
    pub fn for_stdout(when: ColorWhen) -> Paint {
        let on = decide(when, &Detected::stdout());
        // The rules above are anstream's; a new anstream that changed them shows here first.
        debug_assert!(
            when != ColorWhen::Auto
                || on
                    == (anstream::AutoStream::choice(&std::io::stdout())
                        == anstream::ColorChoice::Always),
            "decide() no longer agrees with anstream's AutoStream::choice"
        );
        Paint::new(on)
    }

    pub fn is_on(self) -> bool {
        self.on
    }

    pub fn good(self, text: &str) -> String {
        self.style(AnsiColor::Green.on_default(), text)
    }

    pub fn bad(self, text: &str) -> String {
        self.style(AnsiColor::Red.on_default(), text)
    }

    pub fn unsure(self, text: &str) -> String {
        self.style(AnsiColor::Yellow.on_default(), text)
    }

    /// An answer line's colour: good green, bad red, unsure yellow, plain as it is.
    pub fn tone(self, tone: Tone, text: &str) -> String {
        match tone {
            Tone::Good => self.good(text),
            Tone::Bad => self.bad(text),
            Tone::Unsure => self.unsure(text),
            Tone::Plain => text.to_string(),
        }
    }

    fn style(self, style: Style, text: &str) -> String {
        if !self.on || text.is_empty() {
            return text.to_string();
        }
        format!("{}{text}{}", style.render(), style.render_reset())
    }
}

/// `text` with every SGR escape code taken out: what a reader sees, for widths and tests.
pub fn strip(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// The widest line of `text` in characters, escape codes not counted.
pub fn visible_width(text: &str) -> usize {
    strip(text)
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

/// `line` (a row of a comfy-table, laid out without colour) with `paint_cell` applied to each
/// cell, given its column (from 0) and its text with padding. Cells are found between the table's column separators, so a
/// word in a variant's name is never coloured as if it were a verdict, and the row keeps its
/// width.
pub fn paint_cells(line: &str, paint_cell: impl Fn(usize, &str) -> String) -> String {
    if !line.starts_with('│') {
        return line.to_string();
    }
    let mut out = String::new();
    // Before the first separator is the left border's outside (empty); after separator k
    // comes column k (from 0).
    let mut column: Option<usize> = None;
    let mut start = 0;
    let separators = line.char_indices().filter(|(_, c)| matches!(c, '│' | '┆'));
    for (at, separator) in separators {
        let segment = &line[start..at];
        out.push_str(&match column {
            Some(c) => paint_cell(c, segment),
            None => segment.to_string(),
        });
        out.push(separator);
        column = Some(column.map_or(0, |c| c + 1));
        start = at + separator.len_utf8();
    }
    out.push_str(&line[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected() -> Detected {
        Detected {
            no_color: false,
            clicolor_force: false,
            clicolor: None,
            term_supports_color: true,
            is_ci: false,
            is_terminal: true,
        }
    }

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(decide(ColorWhen::Auto, &detected()));
        let piped = Detected {
            is_terminal: false,
            ..detected()
        };
        assert!(!decide(ColorWhen::Auto, &piped));
        let dumb = Detected {
            term_supports_color: false,
            ..detected()
        };
        assert!(!decide(ColorWhen::Auto, &dumb));
    }

    #[test]
    fn no_color_turns_auto_off_but_not_a_flag() {
        let no_color = Detected {
            no_color: true,
            ..detected()
        };
        assert!(!decide(ColorWhen::Auto, &no_color));
        // NO_COLOR beats CLICOLOR_FORCE too.
        let both = Detected {
            clicolor_force: true,
            ..no_color
        };
        assert!(!decide(ColorWhen::Auto, &both));
        // An explicit --color always is the user's word for this one command.
        assert!(decide(ColorWhen::Always, &no_color));
    }

    #[test]
    fn never_and_always_ignore_the_environment() {
        let forced = Detected {
            clicolor_force: true,
            is_terminal: false,
            ..detected()
        };
        assert!(decide(ColorWhen::Auto, &forced));
        assert!(!decide(ColorWhen::Never, &forced));
        assert!(!decide(ColorWhen::Never, &detected()));
        let piped = Detected {
            is_terminal: false,
            ..detected()
        };
        assert!(decide(ColorWhen::Always, &piped));
        let off = Detected {
            clicolor: Some(false),
            ..detected()
        };
        assert!(!decide(ColorWhen::Auto, &off));
    }

    #[test]
    fn plain_paint_adds_nothing() {
        assert_eq!(Paint::PLAIN.bad("worse"), "worse");
        assert_eq!(Paint::PLAIN.tone(Tone::Good, "ok"), "ok");
        let red = Paint::new(true).bad("worse");
        assert_eq!(red, "\x1b[31mworse\x1b[0m");
        assert_eq!(strip(&red), "worse");
        assert_eq!(visible_width(&format!("{red} é\nab")), 7);
    }

    #[test]
    fn cells_are_painted_between_separators_only() {
        let line = "│ better ┆ 1 s better │";
        let painted = paint_cells(line, |column, cell| match column {
            0 => cell.to_string(),
            _ => cell.replace("better", "B"),
        });
        assert_eq!(painted, "│ better ┆ 1 s B │");
        assert_eq!(paint_cells("┌──┐", |_, _| "x".into()), "┌──┐");
    }
}
