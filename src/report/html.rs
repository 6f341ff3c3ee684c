//! `report.html`: the same content as `report.md` on one self-contained page — charts inlined as
//! SVG, CSS in the page, nothing fetched — so it opens offline, from an archive or a CI artifact.
//!
//! All text from results is HTML-escaped; chart SVGs come from plotters, which escapes the text
//! it writes.

use crate::analysis::answer::{Answer, Tone};
use crate::analysis::Analysis;
use std::fmt::Write;

use super::render::{ChartRef, Charts};
use super::sections::{self, Cell, Table};
use super::step_chart::{has_step_times, NO_STEP_TIMES};
use crate::format::metric_title;
use crate::results::RunResults;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; vertical-align: top; }
th { background: #f4f6f8; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.scroll { overflow-x: auto; }
code, pre { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
            font-size: 0.88em; }
pre { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 0.7rem; overflow-x: auto;
      white-space: pre-wrap; }
figure { margin: 1rem 0 2rem; } figcaption { color: #666; font-size: 0.9rem; }
figure svg { max-width: 100%; height: auto; display: block; }
.note { color: #555; }
td:first-child { white-space: nowrap; }
.pass { color: #1a7f37; font-weight: bold; } .miss { color: #c41e24; font-weight: bold; }
.unsure { color: #9a6700; } ul.answer li { font-weight: normal; }
";

pub fn report_html(results: &RunResults, analysis: &Analysis, charts: &Charts) -> String {
    let title = format!("dockbench report: {}", results.suite);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    answer(&mut html, &analysis.answer);
    let _ = writeln!(
        html,
        "<p>Suite file <code>{}</code>. {}</p>",
        escape(&results.suite_file),
        escape(&sections::run_line(results))
    );
    html.push_str("<h2>Summary</h2>\n");
    html.push_str(&table(&sections::summary_table(results)));
    html.push_str(&marks(
        "<p class=\"note\">Each cell is the median ± standard deviation over the runs. \
         ✅/❌: target met/missed, judged on the median.</p>\n",
    ));
    settings(&mut html, results);
    if let Some((reference, rows, notes)) = sections::relative_table(results, analysis) {
        let _ = writeln!(
            html,
            "<h2>Against the reference, {}</h2>",
            escape(&reference)
        );
        if !notes.is_empty() {
            html.push_str("<ul>\n");
            for line in &notes {
                let _ = writeln!(html, "<li>{}</li>", escape(line));
            }
            html.push_str("</ul>\n");
        }
        html.push_str(&table(&rows));
        let _ = writeln!(
            html,
            "<p class=\"note\">{}</p>",
            escape(super::markdown::RELATIVE_NOTE)
        );
    }
    if let Some(claims) = sections::claims_table(analysis) {
        html.push_str("<h2>Claims</h2>\n");
        html.push_str(&table(&claims));
        let _ = writeln!(
            html,
            "<p class=\"note\">{}</p>",
            escape(super::markdown::CLAIMS_NOTE)
        );
    }
    if let Some(targets) = sections::targets_table(results) {
        html.push_str("<h2>Targets</h2>\n");
        html.push_str(&table(&targets));
        let _ = writeln!(html, "<p>{}</p>", escape(&sections::target_tally(results)));
    }
    failures(&mut html, results);
    notes(&mut html, results);
    metric_charts(&mut html, charts);
    step_charts(&mut html, results, charts);
    if charts.anatomy.is_empty() {
        layers(&mut html, results);
    } else {
        image_anatomy(&mut html, results, charts);
    }
    html.push_str("<h2>Environment</h2>\n");
    html.push_str(&table(&sections::environment_table(&results.environment)));
    html.push_str("</body>\n</html>\n");
    html
}

/// The answer first: a list of its heading lines, each with its items nested under it.
fn answer(html: &mut String, answer: &Answer) {
    if answer.lines.is_empty() {
        return;
    }
    html.push_str("<ul class=\"answer\">\n");
    let mut open_items = false;
    for line in &answer.lines {
        let class = match line.tone {
            Tone::Good => "pass",
            Tone::Bad => "miss",
            Tone::Unsure => "unsure",
            Tone::Plain => "plain",
        };
        let text = escape(&line.text);
        if line.level == 0 {
            if open_items {
                html.push_str("</ul></li>\n");
            }
            let _ = write!(html, "<li><strong class=\"{class}\">{text}</strong><ul>");
            open_items = true;
        } else {
            let _ = write!(html, "<li class=\"{class}\">{text}</li>");
        }
    }
    if open_items {
        html.push_str("</ul></li>\n");
    }
    html.push_str("</ul>\n");
}

fn failures(html: &mut String, results: &RunResults) {
    let failed = sections::failures(results);
    if failed.is_empty() {
        return;
    }
    html.push_str("<h2>Failed variants</h2>\n");
    for (name, error) in failed {
        let _ = writeln!(
            html,
            "<h3>{}</h3>\n<pre><code>{}</code></pre>",
            escape(name),
            escape(error)
        );
    }
}

/// Right below the figures: a startup under a 512 MiB limit is not one without it.
fn settings(html: &mut String, results: &RunResults) {
    let set = sections::settings(results);
    if set.is_empty() {
        return;
    }
    html.push_str("<p>Built and run with:</p>\n<ul>\n");
    for (name, described) in set {
        let _ = writeln!(
            html,
            "<li><strong>{}</strong>: {}</li>",
            escape(name),
            escape(&described)
        );
    }
    html.push_str("</ul>\n");
}

fn notes(html: &mut String, results: &RunResults) {
    let noted = sections::notes(results);
    if noted.is_empty() {
        return;
    }
    html.push_str("<h2>Notes on the figures</h2>\n<ul>\n");
    for (name, notes) in noted {
        for note in notes {
            let _ = writeln!(
                html,
                "<li><strong>{}</strong>: {}</li>",
                escape(name),
                escape(note)
            );
        }
    }
    html.push_str("</ul>\n");
}

fn metric_charts(html: &mut String, charts: &Charts) {
    if charts.metrics.is_empty() {
        return;
    }
    html.push_str("<h2>Charts</h2>\n");
    html.push_str(
        "<p class=\"note\">Bars are medians, whiskers span min–max, dots are single runs; \
         red bars miss their target (dashed line).</p>\n",
    );
    for (metric, chart) in &charts.metrics {
        let caption = format!("{} ({metric})", metric_title(metric));
        figure(html, chart, &caption);
    }
}

fn step_charts(html: &mut String, results: &RunResults, charts: &Charts) {
    if charts.steps.is_empty() {
        return;
    }
    html.push_str("<h2>Cold build steps</h2>\n");
    for (name, chart) in &charts.steps {
        let untimed = results
            .variants
            .iter()
            .any(|v| &v.name == name && !has_step_times(v));
        let mut caption = format!("Cold build steps of {name}");
        if untimed {
            caption.push_str(&format!(": the {NO_STEP_TIMES}"));
        }
        figure(html, chart, &caption);
    }
}

/// The chart's SVG inline. Its `xmlns` is dropped: HTML does not need it, and the page then
/// holds no URL at all, which makes "fetches nothing" easy to check.
fn figure(html: &mut String, chart: &ChartRef, caption: &str) {
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

fn layers(html: &mut String, results: &RunResults) {
    let mut heading = false;
    for variant in &results.variants {
        let Some((layers, note)) = sections::layers_table(variant) else {
            continue;
        };
        if !heading {
            html.push_str("<h2>Largest layers</h2>\n");
            heading = true;
        }
        let _ = writeln!(html, "<h3>{}</h3>", escape(&variant.name));
        html.push_str(&table(&layers));
        let _ = writeln!(html, "<p class=\"note\">{}</p>", escape(&note));
    }
}

fn image_anatomy(html: &mut String, results: &RunResults, charts: &Charts) {
    use super::anatomy as a;
    html.push_str("<h2>Image anatomy</h2>\n");
    let _ = writeln!(html, "<p class=\"note\">{}</p>", escape(a::ANATOMY_NOTE));
    for (name, layers, paths) in &charts.anatomy {
        let Some(variant) = results.variants.iter().find(|v| &v.name == name) else {
            continue;
        };
        let Some(anatomy) = &variant.anatomy else {
            continue;
        };
        let _ = writeln!(html, "<h3>{}</h3>", escape(name));
        let _ = writeln!(html, "<p>{}.</p>", escape(&a::summary_line(anatomy)));
        if let Some((reference, lines)) = a::change_lines(results, variant) {
            if lines.is_empty() {
                let _ = writeln!(
                    html,
                    "<p>Against {}: no directory changed by 1 MB or more.</p>",
                    escape(&reference)
                );
            } else {
                let _ = writeln!(
                    html,
                    "<p>What changed against {}, by directory:</p>\n<ul>",
                    escape(&reference)
                );
                for line in &lines {
                    let _ = writeln!(html, "<li>{}</li>", escape(line));
                }
                html.push_str("</ul>\n");
            }
        }
        figure(html, layers, &format!("Image layers of {name}"));
        html.push_str(&table(&a::layers_table(anatomy)));
        html.push_str("<p>Largest directories:</p>\n");
        html.push_str(&table(&a::dirs_table(anatomy)));
        figure(html, paths, &format!("Size by path of {name}"));
        match a::wasted_table(anatomy) {
            Some((wasted, note)) => {
                html.push_str("<p>Wasted files:</p>\n");
                html.push_str(&table(&wasted));
                let _ = writeln!(html, "<p class=\"note\">{}</p>", escape(&note));
            }
            None => html.push_str("<p>No file is overwritten or deleted by a later layer.</p>\n"),
        }
    }
}

fn table(table: &Table) -> String {
    let mut out = String::from("<div class=\"scroll\"><table>\n");
    if table.header.iter().any(|h| !h.is_empty()) {
        out.push_str("<thead><tr>");
        for header in &table.header {
            let _ = write!(out, "<th>{}</th>", escape(header));
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
            let content = match cell {
                Cell::Text(text) => marks(&escape(text)),
                Cell::Code(code) => format!("<code>{}</code>", escape(code)),
            };
            let _ = write!(out, "<td{class}>{content}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// ✅/❌ as coloured ✓/✗: emoji need a colour-emoji font, which a server or CI machine opening
/// the page often lacks, while every text font has the plain marks.
fn marks(escaped: &str) -> String {
    escaped
        .replace('✅', "<span class=\"pass\">✓</span>")
        .replace('❌', "<span class=\"miss\">✗</span>")
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
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<script>alert("x & 'y'")</script>"#),
            "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;"
        );
    }
}
