//! `report.md`: the run as GitHub-flavoured markdown — summary, targets, failures, charts (PNG
//! images linking to their SVGs), cold build steps, largest layers and the environment.
//!
//! Text from results (variant names, errors, commands) is escaped so that it shows as written
//! and cannot break a table or start markup.

use std::fmt::Write;

use super::document::{self, Block, Document, Item, Span};
use super::render::Charts;
use super::sections::{Cell, Table};
use crate::analysis::answer::Tone;
use crate::analysis::Analysis;
use crate::results::RunResults;

pub use super::document::{CLAIMS_NOTE, RELATIVE_NOTE};

pub fn report_markdown(results: &RunResults, analysis: &Analysis, charts: &Charts) -> String {
    write(&document::report(results, analysis, charts))
}

/// The document as GitHub-flavoured markdown. Folded parts are `<details>`, which GitHub,
/// GitLab and most viewers open on a click; the markdown inside them still renders because of
/// the blank lines around it.
pub fn write(doc: &Document) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", escape(&doc.title));
    blocks(&mut md, &doc.blocks);
    md
}

fn blocks(md: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let hashes = "#".repeat(usize::from(*level).clamp(2, 6));
                let _ = writeln!(md, "{hashes} {}\n", escape(text));
            }
            Block::Paragraph(spans_of) => {
                let _ = writeln!(md, "{}\n", spans(spans_of));
            }
            Block::Note(text) => {
                let _ = writeln!(md, "{}\n", escape_note(text));
            }
            Block::List(items) => {
                for item in items {
                    list_item(md, item, 0);
                }
                md.push('\n');
            }
            Block::Table(t) => {
                md.push_str(&table(t));
                md.push('\n');
            }
            Block::Figure(figure) => {
                let caption = escape(&figure.caption);
                let _ = writeln!(
                    md,
                    "[![{caption}]({})]({})\n\n*{caption}*\n",
                    figure.chart.png, figure.chart.svg_file
                );
            }
            Block::Code(text) => {
                let _ = writeln!(md, "{}\n", code_block(text));
            }
            Block::Fold(summary, inner) => {
                let _ = writeln!(
                    md,
                    "<details>\n<summary>{}</summary>\n",
                    super::html::escape(summary)
                );
                self::blocks(md, inner);
                md.push_str("</details>\n\n");
            }
        }
    }
}

/// A top-level item carries its verdict as a mark; nested ones are the reasons under it.
fn list_item(md: &mut String, item: &Item, depth: usize) {
    let indent = "  ".repeat(depth);
    let mark = match (depth, item.tone) {
        (0, Some(Tone::Good)) => "✅ ",
        (0, Some(Tone::Bad)) => "❌ ",
        (0, Some(Tone::Unsure)) => "❔ ",
        _ => "",
    };
    let _ = writeln!(md, "{indent}- {mark}{}", spans(&item.spans));
    for child in &item.children {
        list_item(md, child, depth + 1);
    }
}

fn spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|span| match span {
            Span::Text(text) => escape_keeping_ends(text),
            Span::Strong(text) => format!("**{}**", escape(text)),
            Span::Code(code) => code_span(code),
        })
        .collect()
}

/// Notes are our own prose: their `code` spans stay code; the rest is escaped.
fn escape_note(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                code_span(part)
            } else {
                escape_keeping_ends(part)
            }
        })
        .collect()
}

/// [`escape`], keeping one space at either end: text that sits against a code span or strong
/// text keeps its word break.
fn escape_keeping_ends(text: &str) -> String {
    let lead = if text.starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let trail = if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{lead}{}{trail}", escape(text))
}

/// A GFM table. Cells are escaped; `|` is escaped even in code, where GFM still splits on it.
pub fn table(table: &Table) -> String {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = row(table.header.iter().map(|h| escape(h)).collect());
    let rules = table
        .right_aligned
        .iter()
        .map(|&right| if right { "---:" } else { "---" }.to_string())
        .collect();
    out.push_str(&row(rules));
    for cells in &table.rows {
        out.push_str(&row(cells.iter().map(cell).collect()));
    }
    out
}

fn cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => escape(text),
        Cell::Code(code) => code_span(code).replace('|', "\\|"),
    }
}

/// Backslash-escapes markdown's punctuation and folds line breaks, so that text shows literally
/// on one line (a table cell or heading). An `_` between letters or digits is left alone: it
/// cannot start emphasis there, and `cold_build_s` stays readable in the source.
pub fn escape(text: &str) -> String {
    let folded: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in folded.iter().enumerate() {
        let intraword = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
        let inside_word = i > 0 && intraword(folded.get(i - 1)) && intraword(folded.get(i + 1));
        let special = matches!(c, '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '&');
        if special || (c == '_' && !inside_word) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Inline code that survives backticks in the text: the fence is longer than any run of them.
fn code_span(code: &str) -> String {
    let code = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let fence = "`".repeat(longest_backtick_run(&code) + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{code}{pad}{fence}")
}

/// A fenced block whose fence no line of `text` can close early.
fn code_block(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_line_breaks() {
        assert_eq!(escape("a|b <x> *y*"), "a\\|b \\<x\\> \\*y\\*");
        assert_eq!(escape("one\ntwo"), "one two");
        assert_eq!(escape("node-20"), "node-20");
        assert_eq!(escape("cold_build_s _x_"), "cold_build_s \\_x\\_");
    }

    #[test]
    fn code_survives_backticks() {
        assert_eq!(code_span("echo `date`"), "`` echo `date` ``");
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_block("a\n```\nb"), "````text\na\n```\nb\n````");
    }
}
