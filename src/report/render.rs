//! `render_report`: everything a results folder shows a person — `charts/` (a chart per metric
//! and per variant's cold build steps, as SVG and PNG), `report.md` and a self-contained
//! `report.html`.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::canvas::{file_stem, unique_stem, write_svg_and_png, WrittenChart};
use super::charts::{charted_metrics, MetricChart};
use super::layer_chart::LayerChart;
use super::step_chart::{has_step_chart, StepChart};
use super::treemap::Treemap;
use super::{document, html, markdown};
use crate::analysis::Analysis;
use crate::results::RunResults;

/// The charts folder inside a results folder; markdown links are relative to the results folder.
pub const CHARTS_DIR: &str = "charts";

/// A chart as the reports refer to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRef {
    /// `charts/cold_build_s.png`, relative to the results folder.
    pub png: String,
    pub svg_file: String,
    /// The SVG document, for inlining in HTML (empty when only links are needed).
    pub svg: String,
}

/// Every chart of a report, in the order the reports show them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Charts {
    /// (metric, chart), in metric column order.
    pub metrics: Vec<(String, ChartRef)>,
    /// (variant, chart), in variant order; variants without steps have none.
    pub steps: Vec<(String, ChartRef)>,
    /// (variant, layer chart, size-by-path chart), for variants with an anatomy.
    pub anatomy: Vec<(String, ChartRef, ChartRef)>,
}

/// Renders the charts, `report.md` and `report.html` into `dir` (an existing results folder),
/// replacing earlier ones. Returns every file written.
pub fn render_report(
    dir: &Path,
    results: &RunResults,
    analysis: &Analysis,
) -> anyhow::Result<Vec<PathBuf>> {
    let charts_dir = dir.join(CHARTS_DIR);
    fs::create_dir_all(&charts_dir)
        .with_context(|| format!("creating {}", charts_dir.display()))?;
    let mut written = Vec::new();
    let charts = write_charts(&charts_dir, results, &mut written)?;
    // One document, two writers: both formats say the same in the same order.
    let doc = document::report(results, analysis, &charts);
    let md_path = dir.join("report.md");
    fs::write(&md_path, markdown::write(&doc))
        .with_context(|| format!("writing {}", md_path.display()))?;
    written.push(md_path);
    let html_path = dir.join("report.html");
    fs::write(&html_path, html::write(&doc))
        .with_context(|| format!("writing {}", html_path.display()))?;
    written.push(html_path);
    Ok(written)
}

fn write_charts(
    charts_dir: &Path,
    results: &RunResults,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<Charts> {
    let mut charts = Charts::default();
    let mut stems = HashSet::new();
    for metric in charted_metrics(results) {
        let chart = MetricChart::new(results, &metric);
        let stem = unique_stem(&mut stems, file_stem(&metric));
        let files = write_svg_and_png(&chart, charts_dir, &stem)?;
        charts.metrics.push((metric, chart_ref(files, written)));
    }
    for variant in results.variants.iter().filter(|v| has_step_chart(v)) {
        let chart = StepChart::new(variant);
        let stem = unique_stem(&mut stems, format!("steps-{}", file_stem(&variant.name)));
        let files = write_svg_and_png(&chart, charts_dir, &stem)?;
        charts
            .steps
            .push((variant.name.clone(), chart_ref(files, written)));
    }
    for variant in &results.variants {
        let Some(anatomy) = &variant.anatomy else {
            continue;
        };
        let name = file_stem(&variant.name);
        let layers = LayerChart::new(&variant.name, anatomy);
        let stem = unique_stem(&mut stems, format!("layers-{name}"));
        let layers = chart_ref(write_svg_and_png(&layers, charts_dir, &stem)?, written);
        let paths = Treemap::new(&variant.name, anatomy);
        let stem = unique_stem(&mut stems, format!("paths-{name}"));
        let paths = chart_ref(write_svg_and_png(&paths, charts_dir, &stem)?, written);
        charts.anatomy.push((variant.name.clone(), layers, paths));
    }
    Ok(charts)
}

fn chart_ref(files: WrittenChart, written: &mut Vec<PathBuf>) -> ChartRef {
    let relative = |path: &Path| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        format!("{CHARTS_DIR}/{name}")
    };
    let chart = ChartRef {
        png: relative(&files.png_path),
        svg_file: relative(&files.svg_path),
        svg: files.svg,
    };
    written.push(files.svg_path);
    written.push(files.png_path);
    chart
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;
    use std::process::Command;

    use super::*;
    use crate::report::testdata;

    fn rendered() -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let files = render_report(
            dir.path(),
            &testdata::run_results(),
            &crate::analysis::Analysis::of(&testdata::run_results()),
        )
        .unwrap();
        (dir, files)
    }

    fn names(dir: &Path, files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    /// The "Image anatomy" section of both formats, from images built entry by entry.
    #[test]
    fn image_anatomy_sections() {
        let dir = tempfile::tempdir().unwrap();
        let files = render_report(
            dir.path(),
            &testdata::anatomy_run(),
            &crate::analysis::Analysis::of(&testdata::anatomy_run()),
        )
        .unwrap();
        let names = names(dir.path(), &files);
        for chart in ["layers-fat", "paths-fat", "layers-slim", "paths-slim"] {
            assert!(names.contains(&format!("charts/{chart}.svg")), "{names:?}");
        }
        let md = fs::read_to_string(dir.path().join("report.md")).unwrap();
        let section = &md[md.find("## Image anatomy").unwrap()..md.find("## Environment").unwrap()];
        insta::assert_snapshot!("image_anatomy_md", section);
        let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
        let start = html.find("<h2>Image anatomy</h2>").unwrap();
        let end = html.find("<h2>Environment</h2>").unwrap();
        // The inline SVGs are the charts' business (tests of their own); the text around them
        // is this section's.
        let text: String = html[start..end]
            .split("<svg")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    format!("<svg …>{}", &part[part.find("</svg>").unwrap()..])
                }
            })
            .collect();
        insta::assert_snapshot!("image_anatomy_html", text);
    }

    #[test]
    fn report_md() {
        let (dir, _) = rendered();
        let md = fs::read_to_string(dir.path().join("report.md")).unwrap();
        insta::assert_snapshot!(md);
    }

    #[test]
    fn writes_a_chart_per_metric_and_per_variant_with_steps() {
        let (dir, files) = rendered();
        let mut expected: Vec<String> = [
            "cold_build_s",
            "warm_build_s",
            "rebuild_s.deps",
            "cache_hit_rate",
            "cache_hit_rate.deps",
            "image_size_bytes",
            "startup_s",
            "steps-alpine",
            "steps-debian-slim-with-build-tools",
            "steps-classic",
        ]
        .iter()
        .flat_map(|stem| [format!("charts/{stem}.svg"), format!("charts/{stem}.png")])
        .collect();
        expected.extend(["report.md".to_string(), "report.html".to_string()]);
        assert_eq!(names(dir.path(), &files), expected);
        for file in &files {
            assert!(fs::metadata(file).unwrap().len() > 0, "{}", file.display());
        }
    }

    /// (width, height, RGB or RGBA pixels, bytes per pixel)
    fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, usize) {
        let file = BufReader::new(fs::File::open(path).unwrap());
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        pixels.truncate(frame.buffer_size());
        let channels = frame.color_type.samples();
        (frame.width, frame.height, pixels, channels)
    }

    /// `width="760" height="552"` from the SVG's root element.
    fn svg_size(svg: &str) -> (u32, u32) {
        let attr = |name: &str| -> u32 {
            let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let end = start + svg[start..].find('"').unwrap();
            svg[start..end].parse().unwrap()
        };
        (attr("width"), attr("height"))
    }

    /// Dark pixels in the title band (the top 40 px, middle half): zero if no text was drawn.
    fn dark_pixels_in_title(width: u32, pixels: &[u8], channels: usize) -> usize {
        let row_bytes = width as usize * channels;
        (10..40)
            .flat_map(|y| (width as usize / 4..width as usize * 3 / 4).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let at = y * row_bytes + x * channels;
                let rgb = &pixels[at..at + 3];
                rgb.iter().map(|&c| c as u32).sum::<u32>() < 300
            })
            .count()
    }

    #[test]
    fn pngs_have_the_svg_size_and_text_in_the_title() {
        let (_dir, files) = rendered();
        let pngs: Vec<&PathBuf> = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "png"))
            .collect();
        assert_eq!(pngs.len(), 10);
        for png in pngs {
            let (width, height, pixels, channels) = decode_png(png);
            let svg = fs::read_to_string(png.with_extension("svg")).unwrap();
            assert_eq!((width, height), svg_size(&svg), "{}", png.display());
            let dark = dark_pixels_in_title(width, &pixels, channels);
            assert!(
                dark > 150,
                "{}: {dark} dark pixels in the title",
                png.display()
            );
        }
    }

    #[test]
    fn html_is_self_contained_with_inline_charts() {
        let (dir, _) = rendered();
        let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
        for external in ["http://", "https://", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(external), "report.html contains {external}");
        }
        assert_eq!(
            html.matches("<svg").count(),
            10,
            "7 metric and 3 step charts"
        );
        assert!(html.contains("<figcaption>Cold build time (cold_build_s)</figcaption>"));
        // The settings that change the figures, right after the summary table.
        let settings = "<li><strong>debian-slim-with-build-tools</strong>: target runtime, \
                        memory limit 512MiB, 1.5 CPUs</li>";
        let at = html.find(settings).expect("settings listed");
        assert!(html.find("<h2>Summary</h2>").unwrap() < at);
        assert!(at < html.find("<h2>Targets</h2>").unwrap());
    }

    #[test]
    fn text_from_results_is_escaped() {
        let (dir, _) = rendered();
        let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(html.contains("broken &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("<code>RUN echo 7 | tee `x` &lt;y&gt; &amp;&amp; true</code>"));
        assert!(!html.contains("<b>") && !html.contains("<script>") && !html.contains("<y>"));
        let md = fs::read_to_string(dir.path().join("report.md")).unwrap();
        assert!(md.contains(r#"### broken \<b\>\&"x"\</b\>"#), "{md}");
        assert!(
            md.contains("| ``RUN echo 7 \\| tee `x` <y> && true`` |"),
            "{md}"
        );
    }

    /// The chart font is bundled: with fontconfig pointed at nothing, charts still get text.
    /// Runs `text_renders_in_this_process` in a child process with such an environment.
    #[test]
    fn renders_text_with_no_system_fonts() {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "report::render::tests::text_renders_in_this_process",
            ])
            .args(["--ignored", "--test-threads=1"])
            .env("FONTCONFIG_FILE", "/dev/null")
            .env("FONTCONFIG_PATH", "/nonexistent")
            .env("XDG_DATA_DIRS", "/nonexistent")
            .env("HOME", "/nonexistent")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "{stdout}");
    }

    #[test]
    #[ignore = "run by renders_text_with_no_system_fonts in a font-less environment"]
    fn text_renders_in_this_process() {
        pngs_have_the_svg_size_and_text_in_the_title();
    }

    /// Renders a real results folder for a person to look at:
    /// `DOCKBENCH_RENDER_DIR=/tmp/rr cargo test render_a_results_folder -- --ignored`.
    #[test]
    #[ignore = "needs DOCKBENCH_RENDER_DIR, a results folder"]
    fn render_a_results_folder() {
        let dir = PathBuf::from(std::env::var("DOCKBENCH_RENDER_DIR").unwrap());
        let json = fs::read_to_string(dir.join("results.json")).unwrap();
        let results: RunResults = serde_json::from_str(&json).unwrap();
        for path in render_report(&dir, &results, &crate::analysis::Analysis::of(&results)).unwrap()
        {
            println!("{}", path.display());
        }
    }

    /// `cargo test --release large_report -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run in release"]
    fn large_report() {
        let results = testdata::large_run(50, 30);
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        let files = render_report(
            dir.path(),
            &results,
            &crate::analysis::Analysis::of(&results),
        )
        .unwrap();
        println!("{} files in {:?}", files.len(), start.elapsed());
        let keep = std::env::var("DOCKBENCH_KEEP_DIR").ok();
        if let Some(keep) = keep {
            for file in files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "png"))
            {
                fs::copy(file, Path::new(&keep).join(file.file_name().unwrap())).unwrap();
            }
        }
    }
}
