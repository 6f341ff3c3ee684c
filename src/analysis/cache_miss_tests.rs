use super::*;

/// A builder step as the log records it.
fn step(name: &str, instruction: &str, cached: bool, duration_s: f64) -> BuildStep {
    BuildStep {
        name: name.to_string(),
        instruction: instruction.to_string(),
        cached,
        duration_s: Some(duration_s),
        reused_output: false,
    }
}

fn nothing_ignored(_: &str) -> bool {
    false
}

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const BROAD_COPY: &str = "FROM busybox\nWORKDIR /app\nCOPY . /app\nRUN sleep 2\n";

/// Issue 30's first known answer: `COPY . /app` then `RUN sleep 2`, and an edit of README.md.
#[test]
fn an_edited_file_under_a_broad_copy_names_the_copy_the_file_and_the_cost() {
    let log = [
        step("[3/4] COPY . /app", "COPY", false, 0.1),
        step("[4/4] RUN sleep 2", "RUN", false, 2.05),
    ];
    let misses = explain(
        BROAD_COPY,
        &log,
        &files(&["README.md"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(misses.len(), 1, "{misses:?}");
    let miss = &misses[0];
    assert_eq!(miss.first.text, "COPY . /app");
    assert_eq!(miss.first.line, 3);
    assert_eq!(
        miss.cause,
        Cause::EditedFile {
            file: "README.md".into(),
            source: ".".into()
        }
    );
    assert_eq!(miss.then.len(), 1);
    assert_eq!(miss.then[0].text, "RUN sleep 2");
    assert!((miss.cost_s.unwrap() - 2.15).abs() < 1e-9);
    assert_eq!(
        sentence(miss, Some(2.4)),
        "editing `README.md` invalidates `COPY . /app` (Dockerfile line 3), which copies the \
         whole context, so `RUN sleep 2` (line 4) re-runs: 2.15 s of the 2.40 s rebuild"
    );
}

/// With README.md in .dockerignore the builder misses nothing; and were a step to re-run
/// anyway, an ignored file is not named as its cause.
#[test]
fn an_ignored_file_is_never_a_cause() {
    let cached = [
        step("[3/4] COPY . /app", "COPY", true, 0.0),
        step("[4/4] RUN sleep 2", "RUN", true, 0.0),
    ];
    let ignored = |f: &str| f == "README.md";
    assert!(explain(BROAD_COPY, &cached, &files(&["README.md"]), &ignored, &[]).is_empty());
    let rerun = [step("[3/4] COPY . /app", "COPY", false, 0.1)];
    let misses = explain(BROAD_COPY, &rerun, &files(&["README.md"]), &ignored, &[]);
    assert_eq!(misses[0].cause, Cause::Unseen);
    assert!(sentence(&misses[0], None).contains("re-ran although none of its inputs"));
}

const SPLIT: &str = "FROM busybox\nCOPY requirements.txt .\nRUN sleep 2\nCOPY src/ src/\n";

/// Issue 30's second: an edit of src/x.py misses only the last step; one of requirements.txt
/// names the first COPY and costs the sleep.
#[test]
fn a_split_copy_misses_only_from_the_edited_part() {
    let source_edit = [
        step("[2/4] COPY requirements.txt .", "COPY", true, 0.0),
        step("[3/4] RUN sleep 2", "RUN", true, 0.0),
        step("[4/4] COPY src/ src/", "COPY", false, 0.05),
    ];
    let misses = explain(
        SPLIT,
        &source_edit,
        &files(&["src/x.py"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(misses.len(), 1);
    assert_eq!(misses[0].first.line, 4);
    assert_eq!(
        misses[0].cause,
        Cause::EditedFile {
            file: "src/x.py".into(),
            source: "src/".into()
        }
    );
    assert!(misses[0].then.is_empty());
    let deps_edit = [
        step("[2/4] COPY requirements.txt .", "COPY", false, 0.05),
        step("[3/4] RUN sleep 2", "RUN", false, 2.1),
        step("[4/4] COPY src/ src/", "COPY", false, 0.05),
    ];
    let misses = explain(
        SPLIT,
        &deps_edit,
        &files(&["requirements.txt"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!(misses[0].first.text, "COPY requirements.txt .");
    assert!(misses[0].cost_s.unwrap() >= 2.0);
    assert_eq!(misses[0].then.len(), 2);
}

/// Issue 30's third: a `RUN --mount=type=bind,source=deps.txt` step names deps.txt.
#[test]
fn a_bind_mount_source_is_a_cause() {
    let dockerfile =
        "FROM busybox\nRUN --mount=type=bind,source=deps.txt,target=/deps.txt \\\n    \
                      cat /deps.txt && sleep 1\n";
    let log = [step(
        "[2/2] RUN --mount=type=bind,source=deps.txt,target=/deps.txt cat /deps.txt && sleep 1",
        "RUN",
        false,
        1.1,
    )];
    let misses = explain(
        dockerfile,
        &log,
        &files(&["deps.txt"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(
        misses[0].cause,
        Cause::EditedFile {
            file: "deps.txt".into(),
            source: "deps.txt".into()
        }
    );
    assert_eq!(misses[0].first.line, 2);
}

/// Issue 30's fourth: a changed `build_args` value names the argument; a RUN sees every ARG
/// declared before it, a COPY only the ones it names.
#[test]
fn a_changed_build_argument_is_named() {
    let dockerfile = "FROM busybox\nARG VERSION=1\nCOPY a.txt /\nRUN echo building && sleep 1\n";
    let log = [
        step("[2/3] COPY a.txt /", "COPY", true, 0.0),
        step("[3/3] RUN echo building && sleep 1", "RUN", false, 1.0),
    ];
    let misses = explain(
        dockerfile,
        &log,
        &[],
        &nothing_ignored,
        &files(&["VERSION"]),
    );
    assert_eq!(
        misses[0].cause,
        Cause::BuildArg {
            name: "VERSION".into()
        }
    );
    assert!(sentence(&misses[0], Some(1.2)).starts_with(
        "changing the build argument `VERSION` invalidates `RUN echo building && sleep 1`"
    ));
}

/// A builder stage's miss carries into the final stage that copies from it: one root, its
/// cost the re-run steps of both stages.
#[test]
fn a_stage_copied_from_joins_its_root() {
    let dockerfile = "FROM busybox AS builder\nCOPY requirements.txt .\nRUN sleep 2\n\
                      FROM busybox\nCOPY --from=builder /out /out\nRUN sleep 1\n";
    let log = [
        step("[builder 2/3] COPY requirements.txt .", "COPY", false, 0.1),
        step("[builder 3/3] RUN sleep 2", "RUN", false, 2.0),
        step(
            "[stage-1 2/3] COPY --from=builder /out /out",
            "COPY",
            false,
            0.1,
        ),
        step("[stage-1 3/3] RUN sleep 1", "RUN", false, 1.0),
    ];
    let misses = explain(
        dockerfile,
        &log,
        &files(&["requirements.txt"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!(misses[0].first.stage_label, "builder");
    let then: Vec<&str> = misses[0].then.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        then,
        [
            "RUN sleep 2",
            "COPY --from=builder /out /out",
            "RUN sleep 1"
        ]
    );
    assert!((misses[0].cost_s.unwrap() - 3.2).abs() < 1e-9);
}

/// The classic builder logs no stage positions: its steps are matched in file order by keyword
/// and text; it gives no step times, so no cost is claimed.
#[test]
fn classic_builder_steps_are_matched_in_order_without_a_cost() {
    let log = [
        BuildStep {
            name: "COPY requirements.txt .".into(),
            instruction: "COPY".into(),
            cached: false,
            duration_s: None,
            reused_output: false,
        },
        BuildStep {
            name: "RUN sleep 2".into(),
            instruction: "RUN".into(),
            cached: false,
            duration_s: None,
            reused_output: false,
        },
    ];
    let misses = explain(
        SPLIT,
        &log,
        &files(&["requirements.txt"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(misses[0].first.line, 2);
    assert_eq!(misses[0].cost_s, None);
    assert!(!sentence(&misses[0], Some(3.0)).contains(" s of the "));
}

/// The known pattern: a broad COPY before a dependency install is named once, as a finding.
#[test]
fn a_broad_copy_before_an_install_is_a_named_pattern() {
    let dockerfile = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n\
                      RUN pip install -r requirements.txt\n";
    let log = [
        step("[3/4] COPY . .", "COPY", false, 0.1),
        step(
            "[4/4] RUN pip install -r requirements.txt",
            "RUN",
            false,
            38.2,
        ),
    ];
    let misses = explain(
        dockerfile,
        &log,
        &files(&["README.md"]),
        &nothing_ignored,
        &[],
    );
    let found = pattern(&misses[0]).expect("the pattern");
    assert!(
        found.starts_with("a broad COPY before the dependency install"),
        "{found}"
    );
    // Not for a narrow copy of the manifest itself.
    let narrow =
        "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
    let log = [
        step("[2/3] COPY requirements.txt .", "COPY", false, 0.1),
        step(
            "[3/3] RUN pip install -r requirements.txt",
            "RUN",
            false,
            38.2,
        ),
    ];
    let misses = explain(
        narrow,
        &log,
        &files(&["requirements.txt"]),
        &nothing_ignored,
        &[],
    );
    assert_eq!(pattern(&misses[0]), None);
}

#[test]
fn sources_take_in_files_as_docker_copies_them() {
    assert!(source_takes_in(".", "a/b.txt"));
    assert!(source_takes_in("./", "x"));
    assert!(source_takes_in("src/", "src/app.py"));
    assert!(source_takes_in("src", "src/deep/app.py"));
    assert!(!source_takes_in("src", "srcx/app.py"));
    assert!(source_takes_in("requirements*.txt", "requirements-dev.txt"));
    assert!(!source_takes_in(
        "requirements*.txt",
        "docs/requirements.txt"
    ));
    assert!(source_takes_in("*/app.py", "src/app.py"));
    assert!(!source_takes_in("app.py", "src/app.py"));
}

/// Heredocs and the `escape` directive are read as BuildKit reads them: line numbers hold.
#[test]
fn heredocs_and_the_escape_directive_keep_line_numbers() {
    let dockerfile =
        "# escape=`\nFROM busybox\nRUN <<EOF\necho one\necho two\nEOF\nCOPY a.txt `\n  /a.txt\n";
    let (steps, _) = dockerfile_steps(dockerfile).unwrap();
    let lines: Vec<(usize, &str)> = steps.iter().map(|s| (s.line, s.keyword)).collect();
    assert_eq!(lines, [(3, "RUN"), (7, "COPY")]);
    assert_eq!(steps[1].sources, ["a.txt"]);
}
