//! report.html in a real browser: headless Chromium (Debian's `chromium`; `scripts/browser.sh
//! install` fetches it) lays out the reports of the committed runs at 1280 px (a laptop) and at
//! 390 px (a phone), with every folded part opened, and a probe in the page lists every element
//! that reaches past the right edge. Nothing may, except inside a chart's own frame that pans
//! sideways (the frame itself must fit). At both widths the probe also reads the size at which
//! each chart's text is drawn (its font size times the chart's scale on the page).
//!
//! Chromium cannot make a window narrower than 500 px, so the page is laid out in a frame of
//! the width wanted, and the probe posts its answer to the host page, which Chromium prints.
//!
//! Needs no Docker. Fails, never skips, without Chromium: CI must not pass a layout it did not
//! check. `DOCKBENCH_LAYOUT_SCREENSHOTS=DIR` also saves a screenshot of each page and width.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The committed runs whose reports must fit: a suite with claims and targets, a compose
/// stack, and a worker with no HTTP port.
const RUNS: [&str; 3] = [
    "results/python-api/2026-11-29T03-19-32Z",
    "results/stack/2026-11-28T13-03-22Z",
    "results/uv-worker/2026-11-28T07-02-14Z",
];
const WIDTHS_PX: [u32; 2] = [1280, 390];
/// The smallest text a chart may draw, at the size it is shown on the page.
const MIN_CHART_TEXT_PX: f64 = 11.0;

/// Runs in the page once it has loaded: opens every `<details>`, then reports the viewport,
/// the page's scroll width, each element past the right edge and the smallest chart text.
const PROBE: &str = r#"<script>
addEventListener('load', () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const viewport = document.documentElement.clientWidth;
  const overflowing = [];
  // A chart may pan inside its own frame (a figure that scrolls sideways); the frame must fit.
  const pans = el => {
    const frame = el.parentElement && el.parentElement.closest('figure');
    return frame && ['auto', 'scroll'].includes(getComputedStyle(frame).overflowX);
  };
  for (const el of document.querySelectorAll('body *')) {
    if (pans(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > viewport + 0.5) {
      overflowing.push(el.tagName.toLowerCase() + ' reaching ' + Math.round(r.right) + ' px: '
        + (el.textContent || '').trim().slice(0, 60));
    }
  }
  let smallest_text = null;
  for (const svg of document.querySelectorAll('figure svg')) {
    const drawn = svg.getBoundingClientRect().width;
    const own = svg.width.baseVal.value;
    if (!(drawn > 0 && own > 0)) continue;
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * drawn / own;
      if (smallest_text === null || px < smallest_text.px) {
        smallest_text = { px, text: t.textContent.slice(0, 40) };
      }
    }
  }
  const answer = 'LAYOUT ' + JSON.stringify({ viewport,
    scroll_width: document.documentElement.scrollWidth, overflowing, smallest_text });
  if (parent !== window) parent.postMessage(answer, '*');
});
</script>"#;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("DOCKBENCH_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return PathBuf::from(path);
            }
        }
    }
    panic!("no Chromium for the layout test: run `bash scripts/browser.sh install`");
}

#[derive(Debug)]
struct Layout {
    viewport: u32,
    scroll_width: u32,
    overflowing: Vec<String>,
    /// (px, text) of the smallest chart text, when the page has charts.
    smallest_text: Option<(f64, String)>,
}

/// Lays `page` (an HTML file) out at `width_px` and returns what the probe saw.
fn lay_out(page: &Path, width_px: u32, screenshot: Option<&Path>) -> Layout {
    let dir = page.parent().unwrap();
    // One probed copy per width: the widths of a page are laid out at the same time.
    let probed_name = format!("probed-{width_px}.html");
    let probed = dir.join(&probed_name);
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("</body>"), "{}", page.display());
    std::fs::write(
        &probed,
        html.replacen("</body>", &format!("{PROBE}</body>"), 1),
    )
    .unwrap();
    // A screenshot shows the first 2,400 px of the page; the probe needs no height.
    let height_px = if screenshot.is_some() { 2400 } else { 900 };
    let host = dir.join(format!("host-{width_px}.html"));
    std::fs::write(
        &host,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
             <iframe src=\"{probed_name}\" style=\"width:{width_px}px;height:{height_px}px;border:0\">\
             </iframe><pre id=\"answer\">no answer</pre><script>\
             addEventListener('message', e => {{ \
             document.getElementById('answer').textContent = e.data; }});\
             </script></body></html>"
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!(
            "--window-size={},{}",
            width_px.max(500) + 20,
            height_px + 100
        ))
        // Virtual time: the dump waits until the frame has loaded and posted its answer.
        .arg("--virtual-time-budget=10000");
    match screenshot {
        Some(png) => command.arg(format!("--screenshot={}", png.display())),
        None => command.arg("--dump-dom"),
    };
    let out = command
        .arg(format!("file://{}", host.display()))
        .output()
        .expect("starting chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if screenshot.is_some() {
        return lay_out(page, width_px, None);
    }
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split("LAYOUT ")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the probe gave no answer for {}: {dom}", page.display()));
    // The DOM is serialised as HTML: the probe's JSON has its `&`, `<` and `>` escaped.
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    Layout {
        viewport: value["viewport"].as_u64().unwrap() as u32,
        scroll_width: value["scroll_width"].as_u64().unwrap() as u32,
        overflowing: value["overflowing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        smallest_text: value["smallest_text"].as_object().map(|t| {
            (
                t["px"].as_f64().unwrap(),
                t["text"].as_str().unwrap().to_string(),
            )
        }),
    }
}

/// The report of a committed run, rendered now (into a copy: the committed folder is not
/// touched) by the `report` command.
fn render(run: &str) -> tempfile::TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(run);
    let dir = tempfile::tempdir().unwrap();
    for file in ["results.json", "samples.csv", "environment.json"] {
        std::fs::copy(source.join(file), dir.path().join(file)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["report", "-q"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{run}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn committed_reports_fit_a_laptop_and_a_phone() {
    let screenshots = std::env::var_os("DOCKBENCH_LAYOUT_SCREENSHOTS").map(PathBuf::from);
    let mut failures = Vec::new();
    // Each run's report is rendered and laid out at both widths at once, every Chromium in a
    // profile of its own: one after another they took 44 s of CI, mostly Chromium starting.
    let rendered: Vec<(&str, tempfile::TempDir)> = std::thread::scope(|scope| {
        let renders: Vec<_> = RUNS
            .iter()
            .map(|run| scope.spawn(move || (*run, render(run))))
            .collect();
        renders.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let layouts: Vec<(&str, u32, Layout)> = std::thread::scope(|scope| {
        let mut jobs = Vec::new();
        for (run, dir) in &rendered {
            for width_px in WIDTHS_PX {
                let page = dir.path().join("report.html");
                let shot = screenshots.as_ref().map(|shots| {
                    let name = run.split('/').nth(1).unwrap();
                    shots.join(format!("{name}-{width_px}.png"))
                });
                jobs.push(
                    scope
                        .spawn(move || (*run, width_px, lay_out(&page, width_px, shot.as_deref()))),
                );
            }
        }
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    assert_eq!(layouts.len(), RUNS.len() * WIDTHS_PX.len());
    for (run, width_px, layout) in layouts {
        assert_eq!(layout.viewport, width_px, "{run}: the frame's width");
        println!(
            "{run} at {width_px} px: scroll width {} px, {} element(s) past the edge, \
                 smallest chart text {:?}",
            layout.scroll_width,
            layout.overflowing.len(),
            layout.smallest_text
        );
        if layout.scroll_width > width_px || !layout.overflowing.is_empty() {
            failures.push(format!(
                "{run} at {width_px} px: scroll width {} px; past the edge: {:#?}",
                layout.scroll_width,
                &layout.overflowing[..layout.overflowing.len().min(8)]
            ));
        }
        let (px, text) = layout.smallest_text.expect("the report has charts");
        if px < MIN_CHART_TEXT_PX {
            failures.push(format!(
                "{run} at {width_px} px: chart text {text:?} is drawn at {px:.1} px"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The probe is not blind: a page with a 2,000 px table, and one with tiny chart text, fail.
#[test]
fn the_probe_sees_an_overflow_and_small_text() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("wide.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><table><tr><td><div style=\"width:2000px\">wide</div></td></tr>\
         </table><figure><svg width=\"800\" height=\"100\" style=\"width:400px\">\
         <text x=\"0\" y=\"50\" font-size=\"16\">halved</text></svg></figure></body></html>",
    )
    .unwrap();
    // Both widths at once (each Chromium takes seconds to start).
    let (layout, phone) = std::thread::scope(|scope| {
        let phone = scope.spawn(|| lay_out(&page, 390, None));
        (lay_out(&page, 1280, None), phone.join().unwrap())
    });
    assert_eq!(layout.viewport, 1280);
    assert!(
        layout.overflowing.iter().any(|e| e.starts_with("td ")),
        "{layout:?}"
    );
    let (px, text) = layout.smallest_text.unwrap();
    assert_eq!(text, "halved");
    assert!((px - 8.0).abs() < 0.01, "{px}");
    assert_eq!(phone.viewport, 390);
    assert!(!phone.overflowing.is_empty(), "{phone:?}");
}
