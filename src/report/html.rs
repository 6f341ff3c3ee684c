//! `report.html`: the same content as `report.md` on one self-contained page — charts inlined as
//! SVG, CSS in the page, nothing fetched — so it opens offline, from an archive or a CI artifact.
//!
//! All text from results is HTML-escaped; chart SVGs come from plotters, which escapes the text
//! it writes.

use std::fmt::Write;

use super::document::{self, Block, Document, Item, Span};
use super::render::{ChartRef, Charts};
use super::sections::{Cell, Table};
use crate::analysis::answer::Tone;
use crate::analysis::Analysis;
use crate::results::RunResults;

/// The page fits its width: at 1280 px nothing scrolls sideways (long text and code wrap,
/// summaries are at most eight columns), and below 700 px (a phone) every table becomes stacked
/// cards, a row per card, each value under its column's name (`data-label`), and each chart
/// pans sideways inside its own frame at its own size.
const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; overflow-wrap: anywhere; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h2, h3 { overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #f4f6f8; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
            font-size: 0.88em; }
pre { overflow-wrap: anywhere; }
pre { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 0.7rem;
      white-space: pre-wrap; }
figure { margin: 1rem 0 2rem; } figcaption { color: #666; font-size: 0.9rem; }
figure svg { max-width: 100%; height: auto; display: block; }
details { margin: 0.4rem 0 1rem; } summary { cursor: pointer; font-weight: 600; }
.note { color: #555; }
.pass { color: #1a7f37; font-weight: bold; } .miss { color: #c41e24; font-weight: bold; }
.unsure { color: #9a6700; } ul.answer li { font-weight: normal; }
@media (max-width: 700px) {
  body { margin: 1rem auto; padding: 0 0.6rem; }
  table, tbody, tr, td { display: block; }
  thead { display: none; }
  tr { border: 1px solid #ddd; border-radius: 6px; margin: 0 0 0.7rem; padding: 0.3rem 0.5rem; }
  td, td.num { border: none; padding: 0.1rem 0; text-align: left; white-space: normal; }
  td[data-label]::before { content: attr(data-label) ': '; color: #666; }
  td:first-child { font-weight: 600; }
  td:first-child::before { content: none; }
  /* A chart keeps its own size, text at 11 px or more, and pans sideways in its frame:
     shrunk to a phone's width its text would be 4 px. */
  figure { overflow-x: auto; }
  figure svg { max-width: none; }
}
";

pub fn report_html(results: &RunResults, analysis: &Analysis, charts: &Charts) -> String {
    write(&document::report(results, analysis, charts))
}

/// The document as one self-contained page.
pub fn write(doc: &Document) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&doc.title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(&doc.title));
    // The answer is the first list, before any heading.
    let answer_at = doc.blocks.iter().position(|b| matches!(b, Block::List(_)));
    let first_heading = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading(..)));
    for (i, block) in doc.blocks.iter().enumerate() {
        let is_answer = answer_at == Some(i) && first_heading.is_none_or(|h| i < h);
        write_block(&mut html, block, is_answer);
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn write_block(html: &mut String, block: &Block, is_answer: bool) {
    match block {
        Block::Heading(level, text) => {
            let level = (*level).clamp(2, 6);
            let _ = writeln!(html, "<h{level}>{}</h{level}>", escape(text));
        }
        Block::Paragraph(spans_of) => {
            let _ = writeln!(html, "<p>{}</p>", marks(&spans(spans_of)));
        }
        Block::Note(text) => {
            let _ = writeln!(html, "<p class=\"note\">{}</p>", marks(&note(text)));
        }
        Block::List(items) => {
            html.push_str(if is_answer {
                "<ul class=\"answer\">\n"
            } else {
                "<ul>\n"
            });
            for item in items {
                list_item(html, item, 0);
            }
            html.push_str("</ul>\n");
        }
        Block::Table(t) => html.push_str(&table(t)),
        Block::Figure(figure) => write_figure(html, &figure.chart, &figure.caption),
        Block::Code(text) => {
            let _ = writeln!(html, "<pre><code>{}</code></pre>", escape(text));
        }
        Block::Fold(summary, inner) => {
            let _ = writeln!(
                html,
                "<details>\n<summary>{}</summary>",
                marks(&escape(summary))
            );
            for block in inner {
                write_block(html, block, false);
            }
            html.push_str("</details>\n");
        }
    }
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "pass",
        Tone::Bad => "miss",
        Tone::Unsure => "unsure",
        Tone::Plain => "plain",
    }
}

fn list_item(html: &mut String, item: &Item, depth: usize) {
    let content = marks(&spans(&item.spans));
    match (depth, item.tone) {
        // A verdict line's text takes its colour; its items colour themselves.
        (0, Some(tone)) => {
            let _ = write!(
                html,
                "<li><span class=\"{}\">{content}</span>",
                tone_class(tone)
            );
        }
        (_, Some(tone)) => {
            let _ = write!(html, "<li class=\"{}\">{content}", tone_class(tone));
        }
        (_, None) => {
            let _ = write!(html, "<li>{content}");
        }
    }
    if !item.children.is_empty() {
        html.push_str("<ul>");
        for child in &item.children {
            list_item(html, child, depth + 1);
        }
        html.push_str("</ul>");
    }
    html.push_str("</li>\n");
}

fn spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|span| match span {
            Span::Text(text) => escape(text),
            Span::Strong(text) => format!("<strong>{}</strong>", escape(text)),
            Span::Code(code) => format!("<code>{}</code>", escape(code)),
        })
        .collect()
}

/// Notes are our own prose: their `code` spans become code.
fn note(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// The chart's SVG inline. Its `xmlns` is dropped: HTML does not need it, and the page then
/// holds no URL at all, which makes "fetches nothing" easy to check.
fn write_figure(html: &mut String, chart: &ChartRef, caption: &str) {
    let svg = chart
        .svg
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let svg = svg.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        html,
        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
        svg.trim(),
        escape(caption)
    );
}

/// Each cell names its column (`data-label`), which the phone layout shows beside the value.
fn table(table: &Table) -> String {
    let mut out = String::from("<table>\n");
    let headed = table.header.iter().any(|h| !h.is_empty());
    if headed {
        out.push_str("<thead><tr>");
        for header in &table.header {
            let _ = write!(out, "<th>{}</th>", breakable(&escape(header)));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if table.right_aligned.get(i) == Some(&true) {
                " class=\"num\""
            } else {
                ""
            };
            let label = match table.header.get(i) {
                Some(header) if headed && !header.is_empty() => {
                    format!(" data-label=\"{}\"", escape(header))
                }
                _ => String::new(),
            };
            let content = match cell {
                Cell::Text(text) => marks(&breakable(&escape(text))),
                Cell::Code(code) => format!("<code>{}</code>", breakable(&escape(code))),
            };
            let _ = write!(out, "<td{class}{label}>{content}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A line may break after the `.`, `_` or `/` of a name or path (`cache_hit_rate.<wbr>source`,
/// `/usr/<wbr>lib`) but not inside a word or a number (`4.75`): narrow columns wrap names where
/// a reader expects it instead of anywhere.
fn breakable(escaped: &str) -> String {
    let chars: Vec<char> = escaped.chars().collect();
    let mut out = String::with_capacity(escaped.len());
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        let next_is_letter = chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        let prev_is_letter = i > 0 && chars[i - 1].is_alphanumeric();
        let joins = (c == '.' || c == '_') && prev_is_letter;
        if (joins || c == '/') && next_is_letter {
            out.push_str("<wbr>");
        }
    }
    out
}

/// ✅/❌ as coloured ✓/✗: emoji need a colour-emoji font, which a server or CI machine opening
/// the page often lacks, while every text font has the plain marks.
fn marks(escaped: &str) -> String {
    escaped
        .replace('✅', "<span class=\"pass\">✓</span>")
        .replace('❌', "<span class=\"miss\">✗</span>")
        .replace('❔', "<span class=\"unsure\">?</span>")
}

/// Escapes the five characters that can end text or an attribute in HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_break_after_dots_and_underscores_but_numbers_do_not() {
        assert_eq!(
            breakable("cache_hit_rate.source"),
            "cache_<wbr>hit_<wbr>rate.<wbr>source"
        );
        assert_eq!(breakable("4.75 s"), "4.75 s");
        assert_eq!(breakable("e.g. x"), "e.<wbr>g. x");
        assert_eq!(breakable("/usr/lib"), "/<wbr>usr/<wbr>lib");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x & 'y'")</script>"#),
            "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;"
        );
    }
}
