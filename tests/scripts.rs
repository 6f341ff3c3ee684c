//! The CI scripts, run for real against stand-ins: a fake `gh` for `scripts/pr-comment.sh`, a
//! fake `dockbench` for `scripts/bench-pr.sh` and `scripts/bench-scheduled.sh` (both in
//! `tests/fixtures/scripts/`, which hands `merge` to the real dockbench), and real git
//! repositories in temp folders. The GitHub workflows
//! cannot run here, so their shape and every script path they name are checked instead.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{root, show};
use serde_json::Value;
use tempfile::TempDir;

const MARKER: &str = "<!-- dockbench-compare";

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/scripts")
}

/// Copies a fixture program into `bin` under `name`, executable.
fn install(bin: &Path, fixture: &str, name: &str) -> PathBuf {
    fs::create_dir_all(bin).unwrap();
    let dest = bin.join(name);
    fs::copy(fixtures().join(fixture), &dest).unwrap();
    fs::set_permissions(&dest, fs::Permissions::from_mode(0o755)).unwrap();
    dest
}

/// `bash scripts/<script> args...` in `cwd`, with none of the variables the scripts read
/// inherited from whoever runs the tests (a GitHub runner sets several).
fn script(name: &str, args: &[&str], cwd: &Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts").join(name))
        .args(args)
        .current_dir(cwd);
    for var in [
        "GH_REPO",
        "GITHUB_REPOSITORY",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_RUN_ID",
        "DOCKBENCH",
        "DOCKBENCH_BASE",
        "DOCKBENCH_HEAD",
        "DOCKBENCH_COMMENT_MARKER",
        "DOCKBENCH_EXPECT_HEAD_SHA",
        "SUITE",
        "RUNS",
        "ROUNDS",
        "RUNS_PER_ROUND",
        "THRESHOLD",
        "OUT_DIR",
        "PR_NUMBER",
        "BASE_REF",
        "HEAD_REF",
        "HISTORY_DIR",
        "HISTORY_BRANCH",
        "HISTORY_REMOTE",
        "PUSH",
        "SHARD",
        "SHARD_DIR",
        "HISTORY_TOKEN",
        "REPORT_ROOT",
        "CARGO_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied());
    cmd.output().expect("run bash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", show(&o));
    text(&o.stdout).trim_end().to_string()
}

// --- scripts/pr-comment.sh ------------------------------------------------------------------

/// A fake `gh` on PATH with canned comment pages; records calls in `gh/log` and bodies in
/// `gh/body-N.md`.
struct GhSandbox {
    tmp: TempDir,
}

impl GhSandbox {
    fn new(pages: &[&str]) -> GhSandbox {
        let tmp = TempDir::new().unwrap();
        install(&tmp.path().join("bin"), "fake-gh", "gh");
        fs::create_dir(tmp.path().join("gh")).unwrap();
        for (i, page) in pages.iter().enumerate() {
            // No trailing newline: `gh api --paginate` prints the pages' arrays back to back.
            fs::write(tmp.path().join(format!("gh/page-{}.json", i + 1)), page).unwrap();
        }
        GhSandbox { tmp }
    }

    fn comment_file(&self, body: &str) -> PathBuf {
        let path = self.tmp.path().join("comment.md");
        fs::write(&path, body).unwrap();
        path
    }

    fn run(&self, pr: &str, comment: &Path, extra_env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.tmp.path().join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let gh_dir = self.tmp.path().join("gh");
        let mut envs = vec![
            ("PATH", path.as_str()),
            ("FAKE_GH_DIR", gh_dir.to_str().unwrap()),
            ("GH_REPO", "acme/widgets"),
        ];
        envs.extend_from_slice(extra_env);
        script(
            "pr-comment.sh",
            &[pr, comment.to_str().unwrap()],
            self.tmp.path(),
            &envs,
        )
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.tmp.path().join("gh/log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn body(&self, n: usize) -> Vec<u8> {
        fs::read(self.tmp.path().join(format!("gh/body-{n}.md"))).unwrap()
    }
}

fn comment_json(id: u64, login: &str, body: &str) -> Value {
    serde_json::json!({"id": id, "user": {"login": login}, "body": body})
}

fn page(comments: &[Value]) -> String {
    serde_json::to_string(comments).unwrap()
}

const COMMENT: &str =
    "<!-- dockbench-compare suite=python-api -->\n### dockbench\n\n| variant | cold_build_s |\n";

#[test]
fn pr_comment_posts_a_new_comment_when_none_has_the_marker() {
    let quoting = format!("> {MARKER} -->\nwhy is this here?");
    let gh = GhSandbox::new(&[&page(&[
        comment_json(11, "alice", "LGTM"),
        comment_json(12, "bob", &quoting),
    ])]);
    let file = gh.comment_file(COMMENT);
    let o = gh.run("7", &file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.calls(),
        [
            "GET repos/acme/widgets/issues/7/comments?per_page=100 paginate",
            "POST repos/acme/widgets/issues/7/comments body=body-1.md",
        ],
        "a comment merely quoting the marker is not dockbench's"
    );
    assert_eq!(gh.body(1), COMMENT.as_bytes());
}

#[test]
fn pr_comment_updates_the_marked_comment_and_leaves_the_others_alone() {
    let gh = GhSandbox::new(&[&page(&[
        comment_json(11, "alice", "please benchmark this"),
        comment_json(
            12,
            "github-actions[bot]",
            "<!-- dockbench-compare suite=python-api -->\nold numbers",
        ),
        comment_json(13, "carol", "thanks"),
    ])]);
    let file = gh.comment_file(COMMENT);
    let o = gh.run("7", &file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.calls(),
        [
            "GET repos/acme/widgets/issues/7/comments?per_page=100 paginate",
            "PATCH repos/acme/widgets/issues/comments/12 body=body-1.md",
        ]
    );
    assert_eq!(gh.body(1), COMMENT.as_bytes());
    assert!(text(&o.stderr).contains("updated comment 12"));
}

#[test]
fn pr_comment_finds_the_marked_comment_on_a_later_page() {
    // The fake serves page 2 only to `--paginate`: without it the script would post a duplicate.
    let first: Vec<Value> = (1..=100)
        .map(|id| comment_json(id, "someone", &format!("comment {id}")))
        .collect();
    let second = [
        comment_json(101, "someone", "more"),
        comment_json(
            205,
            "github-actions[bot]",
            "\n<!-- dockbench-compare -->\nold",
        ),
    ];
    let gh = GhSandbox::new(&[&page(&first), &page(&second)]);
    let o = gh.run("3", &gh.comment_file(COMMENT), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.calls().last().unwrap(),
        "PATCH repos/acme/widgets/issues/comments/205 body=body-1.md"
    );
}

#[test]
fn pr_comment_posts_special_characters_as_they_are() {
    let body = "<!-- dockbench-compare -->\n\
                $(touch pwned) `touch pwned2` ${HOME} \"double\" 'single' \\n \\\\ %s %n\n\
                -F body=x @etc/passwd; rm -rf / && echo\r\n\
                émoji 🐳 — ünïcode\ttab\n";
    let gh = GhSandbox::new(&["[]"]);
    let file = gh.comment_file(body);
    let o = gh.run("7", &file, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.body(1),
        body.as_bytes(),
        "the body reaches gh byte for byte"
    );
    for name in ["pwned", "pwned2"] {
        assert!(!gh.tmp.path().join(name).exists(), "the body was executed");
    }
}

#[test]
fn pr_comment_rejects_bad_pr_numbers_before_calling_github() {
    for pr in [
        "",
        "0",
        "007",
        "12a",
        "-5",
        "1;ls",
        "../1",
        "1 2",
        "99999999999",
    ] {
        let gh = GhSandbox::new(&["[]"]);
        let o = gh.run(pr, &gh.comment_file(COMMENT), &[]);
        assert_eq!(o.status.code(), Some(2), "PR number {pr:?}: {}", show(&o));
        assert!(
            text(&o.stderr).contains("PR_NUMBER must be a positive integer"),
            "{pr:?}: {}",
            show(&o)
        );
        assert!(gh.calls().is_empty(), "{pr:?}: gh was called");
    }
}

#[test]
fn pr_comment_refuses_a_comment_without_the_marker() {
    let gh = GhSandbox::new(&["[]"]);
    let o = gh.run("7", &gh.comment_file("### no marker\n"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("does not start with the marker"));
    assert!(gh.calls().is_empty());
}

#[test]
fn pr_comment_needs_a_repository() {
    let gh = GhSandbox::new(&["[]"]);
    let file = gh.comment_file(COMMENT);
    let o = gh.run("7", &file, &[("GH_REPO", "")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("set GH_REPO"));

    // GITHUB_REPOSITORY, as Actions sets it, is enough.
    let o = gh.run(
        "7",
        &file,
        &[("GH_REPO", ""), ("GITHUB_REPOSITORY", "acme/gadgets")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.calls().last().unwrap(),
        "POST repos/acme/gadgets/issues/7/comments body=body-1.md"
    );
}

#[test]
fn pr_comment_fails_clearly_when_github_fails() {
    let gh = GhSandbox::new(&["[]"]);
    let file = gh.comment_file(COMMENT);
    let o = gh.run("7", &file, &[("FAKE_GH_FAIL", "/comments")]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        text(&o.stderr).contains("could not list the comments of PR #7 in acme/widgets"),
        "{}",
        show(&o)
    );

    let gh = GhSandbox::new(&["this is not json"]);
    let o = gh.run("7", &gh.comment_file(COMMENT), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        gh.calls().iter().all(|c| c.starts_with("GET")),
        "nothing posted"
    );
}

#[test]
fn pr_comment_checks_the_pr_head_when_asked() {
    let gh = GhSandbox::new(&["[]"]);
    fs::write(
        gh.tmp.path().join("gh/pull.json"),
        r#"{"number": 7, "head": {"sha": "abc123"}}"#,
    )
    .unwrap();
    let file = gh.comment_file(COMMENT);

    let o = gh.run("7", &file, &[("DOCKBENCH_EXPECT_HEAD_SHA", "def456")]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(text(&o.stderr).contains("not commenting"), "{}", show(&o));
    assert_eq!(gh.calls(), ["GET repos/acme/widgets/pulls/7"]);

    let o = gh.run("7", &file, &[("DOCKBENCH_EXPECT_HEAD_SHA", "abc123")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(
        gh.calls().last().unwrap(),
        "POST repos/acme/widgets/issues/7/comments body=body-1.md"
    );
}

// --- scripts/bench-pr.sh ----------------------------------------------------------------------

/// A git repository with a base commit and a head commit whose suite files say which they are.
struct PrSandbox {
    tmp: TempDir,
    base: String,
}

impl PrSandbox {
    fn new() -> PrSandbox {
        let tmp = TempDir::new().unwrap();
        let repo = tmp.path().join("repo");
        fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        fs::write(repo.join("suite.toml"), "# base\nname = \"demo\"\n").unwrap();
        git(&repo, &["add", "suite.toml"]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        let base = git(&repo, &["rev-parse", "HEAD"]);
        fs::write(repo.join("suite.toml"), "# head\nname = \"demo\"\n").unwrap();
        git(&repo, &["commit", "-q", "-am", "head"]);
        let bin = tmp.path().join("bin");
        install(&bin, "fake-dockbench", "dockbench-base");
        install(&bin, "fake-dockbench", "dockbench-head");
        PrSandbox { tmp, base }
    }

    fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    fn run(&self, extra_env: &[(&str, &str)]) -> Output {
        self.run_to("out", &[], extra_env)
    }

    /// bench-pr.sh with `args`, writing to `out` (a folder of the sandbox).
    fn run_to(&self, out: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let p = |s: &str| self.tmp.path().join(s).to_str().unwrap().to_string();
        let (base_bin, head_bin, log, out) = (
            p("bin/dockbench-base"),
            p("bin/dockbench-head"),
            p("calls.log"),
            p(out),
        );
        let fixtures = fixtures();
        let mut envs = vec![
            ("BASE_REF", self.base.as_str()),
            ("DOCKBENCH_BASE", base_bin.as_str()),
            ("DOCKBENCH_HEAD", head_bin.as_str()),
            ("SUITE", "suite.toml"),
            ("OUT_DIR", out.as_str()),
            ("PR_NUMBER", "42"),
            ("FAKE_LOG", log.as_str()),
            ("FAKE_FIXTURES", fixtures.to_str().unwrap()),
            ("FAKE_REAL_DOCKBENCH", env!("CARGO_BIN_EXE_dockbench")),
        ];
        envs.extend_from_slice(extra_env);
        script("bench-pr.sh", args, &self.repo(), &envs)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.tmp.path().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.contains(" help ") && !l.contains("run --help"))
            .map(str::to_string)
            .collect()
    }

    fn runs(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.contains(" run "))
            .collect()
    }
}

#[test]
fn bench_pr_interleaves_rounds_merges_and_compares() {
    let pr = PrSandbox::new();
    let o = pr.run(&[
        ("ROUNDS", "4"),
        ("RUNS_PER_ROUND", "1"),
        ("THRESHOLD", "5%"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));

    // ABBA: each side's mean position in time is the same, so a linear drift cancels.
    let sides: Vec<_> = pr
        .runs()
        .iter()
        .map(|c| {
            if c.ends_with("[# base]") {
                "base"
            } else {
                "head"
            }
        })
        .collect();
    assert_eq!(
        sides,
        ["base", "head", "head", "base", "base", "head", "head", "base"]
    );
    let out = pr.out();
    for (i, call) in pr.runs().iter().enumerate() {
        let (side, round) = (sides[i], i / 2 + 1);
        assert!(
            call.starts_with(&format!("dockbench-{side} run ")),
            "each side runs its own build: {call}"
        );
        assert!(call.contains(&format!("/{side}/suite.toml ")), "{call}");
        assert!(call.contains("--runs 1 "), "{call}");
        let round_dir = out.join(format!("rounds/{side}/{round:02}"));
        assert!(
            call.contains(&format!("--out {} ", round_dir.display())),
            "{call}"
        );
        assert!(
            call.contains("--no-progress") && call.contains("--no-report"),
            "{call}"
        );
    }

    // The base's dockbench judges the merged folders; the verdict is the comment.
    let compare = pr
        .calls()
        .into_iter()
        .find(|c| c.contains(" compare "))
        .unwrap();
    assert_eq!(
        compare,
        format!(
            "dockbench-base compare {0}/base {0}/head --format markdown --threshold 5%",
            out.display()
        )
    );
    let comment = read(out.join("comment.md"));
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(
        comment.contains("base runs: 8, head runs: 8"),
        "4 rounds x 2: {comment}"
    );
    assert_eq!(read(out.join("pr-number")), "42\n");
    assert!(
        out.join("head/report.html").exists(),
        "merged folders get a report"
    );
    assert!(text(&o.stdout).contains("fake comparison"));

    let worktrees = git(&pr.repo(), &["worktree", "list"]);
    assert_eq!(
        worktrees.lines().count(),
        1,
        "worktrees are removed: {worktrees}"
    );
}

#[test]
fn bench_pr_fails_the_check_on_a_regression() {
    let pr = PrSandbox::new();
    let o = pr.run(&[("ROUNDS", "2"), ("FAKE_COMPARE_EXIT", "1")]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(read(pr.out().join("comment.md")).contains("fake comparison"));
    assert!(text(&o.stderr).contains("regression"));
}

#[test]
fn bench_pr_reports_unusable_comparisons_in_the_comment() {
    let pr = PrSandbox::new();
    let o = pr.run(&[("ROUNDS", "2"), ("FAKE_COMPARE_EXIT", "2")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let comment = read(pr.out().join("comment.md"));
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(
        comment.contains("could not compare the results (exit 2)"),
        "{comment}"
    );
}

#[test]
fn bench_pr_stops_at_a_failed_run_and_says_so() {
    let pr = PrSandbox::new();
    let o = pr.run(&[("FAKE_RUN_EXIT", "2")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert_eq!(pr.runs().len(), 1, "{:?}", pr.calls());
    assert!(!pr.calls().iter().any(|c| c.contains(" compare ")));
    let comment = read(pr.out().join("comment.md"));
    assert!(comment.starts_with(MARKER), "{comment}");
    assert!(
        comment.contains("failed for the base commit in round 1 (exit 2)"),
        "{comment}"
    );
    let worktrees = git(&pr.repo(), &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}

#[test]
fn bench_pr_goes_on_when_a_target_is_missed() {
    // Exit 1 from `run` is a result (a failed variant, a missed target), not a broken benchmark.
    let pr = PrSandbox::new();
    let o = pr.run(&[("ROUNDS", "2"), ("FAKE_RUN_EXIT", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(pr.runs().len(), 4);
}

#[test]
fn bench_pr_lets_the_head_judge_when_the_base_predates_compare() {
    let pr = PrSandbox::new();
    let o = pr.run(&[("ROUNDS", "2"), ("FAKE_OLD", "dockbench-base")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let calls = pr.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("dockbench-head compare ")),
        "{calls:?}"
    );
    for call in pr.runs() {
        let old = call.starts_with("dockbench-base");
        assert_eq!(
            call.contains("--no-report"),
            !old,
            "flags follow each build's help: {call}"
        );
    }
}

#[test]
fn bench_pr_with_a_suite_new_in_the_pr_has_nothing_to_compare() {
    let pr = PrSandbox::new();
    let repo = pr.repo();
    git(&repo, &["mv", "suite.toml", "new-suite.toml"]);
    git(&repo, &["commit", "-q", "-m", "rename"]);
    let o = pr.run(&[("SUITE", "new-suite.toml")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(pr.runs().is_empty());
    assert!(read(pr.out().join("comment.md")).contains("is new in this PR"));
}

#[test]
fn bench_pr_rejects_bad_settings() {
    for (var, value, message) in [
        ("BASE_REF", "no-such-ref", "is not a commit"),
        ("BASE_REF", "", "set BASE_REF"),
        (
            "PR_NUMBER",
            "42; rm -rf /",
            "PR_NUMBER must be a positive integer",
        ),
        ("ROUNDS", "0", "ROUNDS must be a positive integer"),
        ("SUITE", "../suite.toml", "inside the repository"),
        ("SHARD", "3/2", "SHARD must be K/N"),
        ("SHARD", "0/2", "SHARD must be K/N"),
        ("SHARD", "1", "SHARD must be K/N"),
    ] {
        let pr = PrSandbox::new();
        let o = pr.run(&[(var, value)]);
        assert_eq!(o.status.code(), Some(2), "{var}={value}: {}", show(&o));
        assert!(
            text(&o.stderr).contains(message),
            "{var}={value}: {}",
            show(&o)
        );
        assert!(pr.runs().is_empty());
    }
}

/// `bench-pr.sh` as one job of a 2-shard CI matrix would run it, into the sandbox's `shard-K`.
fn pr_shard(pr: &PrSandbox, k: u32, extra_env: &[(&str, &str)]) -> Output {
    let shard = format!("{k}/2");
    let mut envs = vec![("SHARD", shard.as_str()), ("ROUNDS", "2")];
    envs.extend_from_slice(extra_env);
    pr.run_to(&format!("shard-{k}"), &[], &envs)
}

fn pr_merge(pr: &PrSandbox, out: &str, shards: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let dirs: Vec<String> = shards
        .iter()
        .map(|d| pr.path(d).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    pr.run_to(out, &args, extra_env)
}

#[test]
fn bench_pr_shards_measure_their_variants_and_the_merge_judges_them_all() {
    let pr = PrSandbox::new();
    for k in [1, 2] {
        let o = pr_shard(&pr, k, &[]);
        assert_eq!(o.status.code(), Some(0), "shard {k}: {}", show(&o));
    }
    // Each shard runs its rounds ABBA, with its --shard on both sides, and judges nothing.
    let runs = pr.runs();
    assert_eq!(runs.len(), 8, "{runs:?}");
    for (i, call) in runs.iter().enumerate() {
        let shard = if i < 4 { "--shard 1/2" } else { "--shard 2/2" };
        assert!(call.contains(shard), "{call}");
    }
    assert!(
        !pr.calls()
            .iter()
            .any(|c| c.contains(" compare ") || c.contains(" merge ")),
        "{:?}",
        pr.calls()
    );
    for (k, dir) in [(1, pr.path("shard-1")), (2, pr.path("shard-2"))] {
        assert_eq!(read(dir.join("shard")), format!("{k}/2\n"));
        assert_eq!(read(dir.join("status")), "ok\n");
        assert!(
            read(dir.join("commits")).starts_with(&format!("base {}\nhead ", pr.base)),
            "{}",
            read(dir.join("commits"))
        );
        assert!(!dir.join("comment.md").exists(), "the merge step comments");
        for f in [
            "bin/dockbench-base",
            "bin/dockbench-head",
            "rounds/base/01/results.json",
            "rounds/head/02/results.json",
        ] {
            assert!(dir.join(f).is_file(), "{f} missing in {}", dir.display());
        }
        // Artifacts lose the executable bit; the merge step must cope.
        for side in ["base", "head"] {
            let bin = dir.join(format!("bin/dockbench-{side}"));
            fs::set_permissions(bin, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }

    // The merge job builds nothing and has no dockbench of its own: the shards' builds judge.
    fs::remove_dir_all(pr.path("bin")).unwrap();
    let no_override = [("DOCKBENCH_BASE", ""), ("DOCKBENCH_HEAD", "")];
    let envs = [&no_override[..], &[("THRESHOLD", "5%")]].concat();
    let o = pr_merge(&pr, "out", &["shard-1", "shard-2"], &envs);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let (out, s1, s2) = (pr.out(), pr.path("shard-1"), pr.path("shard-2"));
    let merges: Vec<String> = pr
        .calls()
        .into_iter()
        .filter(|c| c.contains(" merge "))
        .collect();
    assert_eq!(
        merges[0],
        format!(
            "dockbench-head merge {0}/base {1}/rounds/base/01 {1}/rounds/base/02 \
             {2}/rounds/base/01 {2}/rounds/base/02",
            out.display(),
            s1.display(),
            s2.display()
        )
    );
    let compare = pr
        .calls()
        .into_iter()
        .find(|c| c.contains(" compare "))
        .unwrap();
    assert_eq!(
        compare,
        format!(
            "dockbench-base compare {0}/base {0}/head --format markdown --threshold 5%",
            out.display()
        )
    );
    let comment = read(out.join("comment.md"));
    assert!(
        comment.contains("base runs: 8, head runs: 8"),
        "2 shards x 2 rounds x 2 runs: {comment}"
    );
    assert_eq!(read(out.join("pr-number")), "42\n");
    assert!(out.join("head/report.html").exists());

    // A regression found across the shards fails the check, as an unsharded run does.
    let envs = [&no_override[..], &[("FAKE_COMPARE_EXIT", "1")]].concat();
    let o = pr_merge(&pr, "out-regression", &["shard-1", "shard-2"], &envs);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(read(pr.path("out-regression/comment.md")).contains("fake comparison"));

    let worktrees = git(&pr.repo(), &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}

#[test]
fn bench_pr_merge_says_which_shard_failed_or_is_missing() {
    let pr = PrSandbox::new();
    assert_eq!(pr_shard(&pr, 1, &[]).status.code(), Some(0));
    let o = pr_shard(&pr, 2, &[("FAKE_RUN_EXIT", "2")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert_eq!(
        read(pr.path("shard-2/status")),
        "failed: `dockbench run` failed for the base commit in round 1 (exit 2).\n"
    );

    for (out, shards, expected) in [
        (
            "out-failed",
            &["shard-1", "shard-2"][..],
            "Shard 2/2: `dockbench run` failed for the base commit in round 1 (exit 2).",
        ),
        (
            "out-missing",
            &["shard-1"][..],
            "Shard 2/2 is missing: its job did not finish or upload its results.",
        ),
        (
            "out-twice",
            &["shard-1", "shard-1/."][..],
            "Shard 1/2 was given twice.",
        ),
        ("out-none", &["nowhere"][..], "No shard's results in"),
    ] {
        let o = pr_merge(&pr, out, shards, &[]);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", show(&o));
        let comment = read(pr.path(out).join("comment.md"));
        assert!(comment.starts_with(MARKER), "{comment}");
        assert!(comment.contains(expected), "{out}: {comment}");
    }

    // A shard of other commits (another push of the PR) is not mixed in.
    fs::write(pr.path("shard-1/commits"), "base 0000\nhead 1111\n").unwrap();
    let o = pr_merge(&pr, "out-other", &["shard-1"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(read(pr.path("out-other/comment.md")).contains("measured other commits"));
    assert!(!pr.calls().iter().any(|c| c.contains(" compare ")));
}

#[test]
fn bench_pr_shards_fall_back_to_one_runner_when_a_dockbench_predates_shard() {
    // Both sides must measure the same variants: if either cannot shard, shard 1 measures all.
    let pr = PrSandbox::new();
    let old = [("FAKE_OLD", "dockbench-base")];
    for k in [1, 2] {
        let o = pr_shard(&pr, k, &old);
        assert_eq!(o.status.code(), Some(0), "shard {k}: {}", show(&o));
    }
    assert_eq!(read(pr.path("shard-1/status")), "unsharded\n");
    assert_eq!(read(pr.path("shard-2/status")), "skipped\n");
    let runs = pr.runs();
    assert_eq!(runs.len(), 4, "only shard 1 ran: {runs:?}");
    assert!(runs.iter().all(|c| !c.contains("--shard")), "{runs:?}");

    let o = pr_merge(&pr, "out", &["shard-1", "shard-2"], &old);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let comment = read(pr.out().join("comment.md"));
    assert!(comment.contains("base runs: 4, head runs: 4"), "{comment}");
}

// --- scripts/bench-scheduled.sh -----------------------------------------------------------------

/// A bare "origin" and a way to clone it afresh, as each GitHub runner does.
struct ScheduledSandbox {
    tmp: TempDir,
}

impl ScheduledSandbox {
    fn new() -> ScheduledSandbox {
        let tmp = TempDir::new().unwrap();
        git(
            tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        let seed = tmp.path().join("seed");
        git(tmp.path(), &["clone", "-q", "origin.git", "seed"]);
        fs::write(seed.join("suite.toml"), "# scheduled\nname = \"demo\"\n").unwrap();
        git(&seed, &["add", "suite.toml"]);
        git(&seed, &["commit", "-q", "-m", "suite"]);
        git(&seed, &["push", "-q", "origin", "HEAD:main"]);
        install(&tmp.path().join("bin"), "fake-dockbench", "dockbench");
        ScheduledSandbox { tmp }
    }

    fn clone(&self, name: &str) -> PathBuf {
        git(self.tmp.path(), &["clone", "-q", "origin.git", name]);
        self.tmp.path().join(name)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn run(&self, checkout: &Path, history: &str, extra_env: &[(&str, &str)]) -> Output {
        self.run_args(checkout, history, &[], extra_env)
    }

    fn run_args(
        &self,
        checkout: &Path,
        history: &str,
        args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Output {
        let p = |s: &str| self.path(s).to_str().unwrap().to_string();
        let (bin, log, hist) = (p("bin/dockbench"), p("calls.log"), p(history));
        let fixtures = fixtures();
        let mut envs = vec![
            ("DOCKBENCH", bin.as_str()),
            ("SUITE", "suite.toml"),
            ("HISTORY_DIR", hist.as_str()),
            ("FAKE_LOG", log.as_str()),
            ("FAKE_FIXTURES", fixtures.to_str().unwrap()),
            ("FAKE_REAL_DOCKBENCH", env!("CARGO_BIN_EXE_dockbench")),
        ];
        envs.extend_from_slice(extra_env);
        script("bench-scheduled.sh", args, checkout, &envs)
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.path("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Files on the origin's history branch.
    fn origin_files(&self) -> Vec<String> {
        git(
            &self.path("origin.git"),
            &["ls-tree", "-r", "--name-only", "dockbench-history"],
        )
        .lines()
        .map(str::to_string)
        .collect()
    }

    fn origin_commits(&self) -> usize {
        git(
            &self.path("origin.git"),
            &["rev-list", "--count", "dockbench-history"],
        )
        .parse()
        .unwrap()
    }
}

fn results_folders(files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| f.strip_suffix("/results.json"))
        .map(str::to_string)
        .collect()
}

#[test]
fn bench_scheduled_creates_then_appends_to_the_history_branch() {
    let s = ScheduledSandbox::new();

    // First run: no history branch yet; it is created, with only history in it.
    let first = s.clone("runner1");
    let gh_output = s.path("github-output");
    let o = s.run(
        &first,
        "hist1",
        &[
            ("PUSH", "1"),
            ("GITHUB_OUTPUT", gh_output.to_str().unwrap()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let files = s.origin_files();
    let folders = results_folders(&files);
    assert_eq!(folders.len(), 1, "{files:?}");
    assert!(folders[0].starts_with("results/demo/"), "{files:?}");
    for f in [
        "trends/history.csv",
        "trends/charts/trend-cold_build_s.svg",
        "README.md",
        "index.html",
        ".nojekyll",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing: {files:?}");
    }
    assert!(
        !files.contains(&"suite.toml".to_string()),
        "the branch holds history only"
    );
    for f in [
        "results.json",
        "samples.csv",
        "environment.json",
        "report.md",
    ] {
        assert!(
            files.contains(&format!("{}/{f}", folders[0])),
            "{f} missing: {files:?}"
        );
    }
    assert!(
        !files.contains(&format!("{}/report.html", folders[0])),
        "the rendered report is the artifact, not history: {files:?}"
    );
    let hist1 = s.path("hist1");
    let results_dir = first.join("target/dockbench-scheduled").join(&folders[0]);
    assert!(
        results_dir.join("report.html").is_file(),
        "the full report stays for the artifact"
    );
    assert_eq!(
        s.calls(),
        [
            format!(
                "dockbench run {}/suite.toml --out {} --no-progress [# scheduled]",
                first.display(),
                results_dir.display()
            ),
            format!(
                "dockbench history {0}/results --out {0}/.trends.new",
                hist1.display()
            ),
        ]
    );
    assert!(read(&gh_output).contains(&format!("results_dir={}\n", results_dir.display())));
    let readme = read(hist1.join("README.md"));
    assert!(
        readme.contains("![trend-cold_build_s](trends/charts/trend-cold_build_s.svg)"),
        "{readme}"
    );
    assert!(
        readme.contains(&format!("({}/report.md)", folders[0])),
        "{readme}"
    );

    // Second run on a fresh runner: the branch is fetched and the run appended.
    let second = s.clone("runner2");
    let o = s.run(&second, "hist2", &[("PUSH", "1"), ("RUNS", "3")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(s.origin_commits(), 2);
    let folders = results_folders(&s.origin_files());
    assert_eq!(folders.len(), 2, "{folders:?}");
    let history = read(s.path("hist2/trends/history.csv"));
    assert_eq!(
        history.lines().count(),
        3,
        "both runs are in the trends: {history}"
    );
    assert!(s.calls()[2].contains(" --runs 3 "), "{:?}", s.calls());
}

#[test]
fn bench_scheduled_records_a_missed_target_and_then_fails() {
    let s = ScheduledSandbox::new();
    let checkout = s.clone("runner");
    let o = s.run(&checkout, "hist", &[("PUSH", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));

    // Reusing the same worktree, without pushing: committed locally only.
    let o = s.run(&checkout, "hist", &[("FAKE_RUN_EXIT", "1")]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_eq!(git(&s.path("hist"), &["rev-list", "--count", "HEAD"]), "2");
    assert_eq!(s.origin_commits(), 1, "PUSH unset: nothing pushed");
    let log = git(&s.path("hist"), &["log", "-1", "--format=%s"]);
    assert!(log.contains("(exit 1,"), "{log}");
}

#[test]
fn bench_scheduled_records_nothing_when_the_run_is_unusable() {
    let s = ScheduledSandbox::new();
    let checkout = s.clone("runner");
    assert_eq!(s.run(&checkout, "hist", &[]).status.code(), Some(0));
    let o = s.run(&checkout, "hist", &[("FAKE_RUN_EXIT", "2")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("nothing recorded"));
    assert_eq!(git(&s.path("hist"), &["rev-list", "--count", "HEAD"]), "1");
    assert_eq!(
        git(&s.path("hist"), &["status", "--porcelain"]),
        "",
        "no leftovers"
    );
    assert_eq!(
        s.calls().len(),
        3,
        "no history after an unusable run: {:?}",
        s.calls()
    );
}

#[test]
fn bench_scheduled_keeps_the_previous_trends_when_history_fails() {
    let s = ScheduledSandbox::new();
    let checkout = s.clone("runner");
    assert_eq!(s.run(&checkout, "hist", &[]).status.code(), Some(0));
    let before = read(s.path("hist/trends/history.csv"));
    let o = s.run(&checkout, "hist", &[("FAKE_HISTORY_EXIT", "3")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert_eq!(
        git(&s.path("hist"), &["rev-list", "--count", "HEAD"]),
        "2",
        "the run is kept"
    );
    assert_eq!(read(s.path("hist/trends/history.csv")), before);
    assert!(!s.path("hist/.trends.new").exists());
}

#[test]
fn bench_scheduled_rejects_a_missing_suite() {
    let s = ScheduledSandbox::new();
    let checkout = s.clone("runner");
    let o = s.run(&checkout, "hist", &[("SUITE", "nope.toml")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(text(&o.stderr).contains("nope.toml not found"));
    assert!(s.calls().is_empty());
}

/// `bench-scheduled.sh` as one job of a 2-shard CI matrix runs it: a fresh clone, its own
/// `shard-K` folder.
fn scheduled_shard(s: &ScheduledSandbox, k: u32, extra_env: &[(&str, &str)]) -> Output {
    let checkout = s.clone(&format!("runner{k}"));
    let (shard, dir) = (format!("{k}/2"), s.path(&format!("shard-{k}")));
    let mut envs = vec![
        ("SHARD", shard.as_str()),
        ("SHARD_DIR", dir.to_str().unwrap()),
    ];
    envs.extend_from_slice(extra_env);
    s.run(&checkout, &format!("unused-hist{k}"), &envs)
}

fn origin_has_history(s: &ScheduledSandbox) -> bool {
    !git(
        &s.path("origin.git"),
        &["branch", "--list", "dockbench-history"],
    )
    .is_empty()
}

#[test]
fn bench_scheduled_shards_then_merges_them_into_one_history_commit() {
    let s = ScheduledSandbox::new();
    let o = scheduled_shard(&s, 1, &[("BALANCE_FROM", "/nonexistent/history")]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not a folder (no history yet?)"),
        "{}",
        show(&o)
    );
    // A history to balance by; shard 1's (missing, as on the first scheduled run) is ignored.
    let history = s.path("history-results");
    std::fs::create_dir_all(&history).unwrap();
    let o = scheduled_shard(
        &s,
        2,
        &[
            ("FAKE_RUN_EXIT", "1"),
            ("RUNS", "3"),
            ("BALANCE_FROM", history.to_str().unwrap()),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "a shard's missed target: {}",
        show(&o)
    );
    let (shard1, shard2) = (s.path("shard-1"), s.path("shard-2"));
    assert_eq!(
        s.calls(),
        [
            format!(
                "dockbench run {}/suite.toml --out {}/results --no-progress --shard 1/2 [# scheduled]",
                s.path("runner1").display(),
                shard1.display()
            ),
            format!(
                "dockbench run {}/suite.toml --out {}/results --no-progress --shard 2/2 --runs 3 --balance-from {} [# scheduled]",
                s.path("runner2").display(),
                shard2.display(),
                history.display()
            ),
        ]
    );
    for (dir, k, code) in [(&shard1, 1, 0), (&shard2, 2, 1)] {
        assert_eq!(read(dir.join("shard")), format!("{k}/2\n"));
        assert_eq!(read(dir.join("exit-code")), format!("{code}\n"));
        assert!(dir.join("results/results.json").is_file());
        // Artifacts lose the executable bit; the merge step must cope.
        let bin = dir.join("bin/dockbench");
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert!(!origin_has_history(&s), "a shard records nothing");
    assert!(!s.path("unused-hist1").exists() && !s.path("unused-hist2").exists());

    // The merge job: shards in any order, no dockbench of its own (shard 1's build records),
    // a token for the push that dockbench never sees.
    let recorder = s.clone("recorder");
    let gh_output = s.path("github-output");
    let o = s.run_args(
        &recorder,
        "hist",
        &["merge", shard2.to_str().unwrap(), shard1.to_str().unwrap()],
        &[
            ("DOCKBENCH", ""),
            ("PUSH", "1"),
            ("HISTORY_TOKEN", "s3cret"),
            ("GITHUB_OUTPUT", gh_output.to_str().unwrap()),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the highest shard code: {}",
        show(&o)
    );
    assert_eq!(s.origin_commits(), 1, "one commit for all shards");
    let folders = results_folders(&s.origin_files());
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(
        folders[0].starts_with("results/fixture-run/2026-11-23T07-39-26Z"),
        "named after the shards' suite and earliest start: {folders:?}"
    );
    let results_dir = recorder
        .join("target/dockbench-scheduled")
        .join(&folders[0]);
    let calls = s.calls();
    assert_eq!(
        calls[2..4],
        [
            format!(
                "dockbench merge --out {} {}/results {}/results",
                results_dir.display(),
                shard1.display(),
                shard2.display()
            ),
            format!("dockbench report {}", results_dir.display()),
        ]
    );
    assert!(calls[4].starts_with("dockbench history "), "{calls:?}");
    assert!(
        !calls.iter().any(|c| c.contains("SAW A TOKEN")),
        "{calls:?}"
    );
    let merged: Value = serde_json::from_str(&read(results_dir.join("results.json"))).unwrap();
    assert_eq!(merged["runs"], 4, "2 + 2 repetitions");
    assert!(results_dir.join("report.html").is_file(), "the artifact");
    assert!(read(&gh_output).contains(&format!("results_dir={}\n", results_dir.display())));
    let files = s.origin_files();
    for f in ["report.md", "samples.csv"] {
        assert!(
            files.contains(&format!("{}/{f}", folders[0])),
            "{f}: {files:?}"
        );
    }
    let log = git(&s.path("hist"), &["log", "-1", "--format=%s"]);
    assert!(
        log.contains("(exit 1,") && log.ends_with(", 2 shards)"),
        "{log}"
    );
}

#[test]
fn bench_scheduled_merge_records_nothing_without_every_usable_shard() {
    let s = ScheduledSandbox::new();
    assert_eq!(scheduled_shard(&s, 1, &[]).status.code(), Some(0));
    let o = scheduled_shard(&s, 2, &[("FAKE_RUN_EXIT", "3")]);
    assert_eq!(o.status.code(), Some(3), "{}", show(&o));
    assert_eq!(read(s.path("shard-2/exit-code")), "3\n");
    let recorder = s.clone("recorder");
    let (one, two) = (s.path("shard-1"), s.path("shard-2"));
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let nowhere = s.path("nowhere");
    for (shards, code, message) in [
        (
            vec![one, two],
            3,
            "shard 2/2: dockbench run exited with 3: nothing recorded",
        ),
        (vec![one], 2, "shard 2/2 is missing: nothing recorded"),
        (vec![one, one], 2, "shard 1/2 given twice"),
        (vec![nowhere.to_str().unwrap()], 2, "holds no shard"),
    ] {
        let mut args = vec!["merge"];
        args.extend(&shards);
        let o = s.run_args(&recorder, "hist", &args, &[("PUSH", "1")]);
        assert_eq!(o.status.code(), Some(code), "{shards:?}: {}", show(&o));
        assert!(
            text(&o.stderr).contains(message),
            "{shards:?}: {}",
            show(&o)
        );
    }
    assert!(!origin_has_history(&s));
    assert!(
        !s.path("hist").exists(),
        "the history is not even checked out"
    );
    assert!(
        s.calls().iter().all(|c| c.contains(" run ")),
        "{:?}",
        s.calls()
    );

    for (var, value, message) in [
        ("SHARD", "3/2", "SHARD must be K/N"),
        ("SHARD", "two", "SHARD must be K/N"),
    ] {
        let o = s.run(&recorder, "hist", &[(var, value)]);
        assert_eq!(o.status.code(), Some(2), "{}", show(&o));
        assert!(text(&o.stderr).contains(message), "{}", show(&o));
    }
    let o = s.run_args(&recorder, "hist", &["merge", one], &[("SHARD", "1/2")]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
}

#[test]
fn git_credential_helper_gives_the_token_to_git_and_nothing_else() {
    let helper = root().join("scripts/lib/git-credential-token.sh");
    let fill = |token: &str| {
        let mut child = Command::new("git")
            .args(["-c", "credential.helper="])
            .arg("-c")
            .arg(format!("credential.helper=!bash '{}'", helper.display()))
            .args(["credential", "fill"])
            .env("DOCKBENCH_GIT_TOKEN", token)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"protocol=https\nhost=git.example\npath=acme/widgets.git\n\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let o = fill("s3cret");
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let answer = text(&o.stdout);
    assert!(
        answer.contains("username=x-access-token\n") && answer.contains("password=s3cret\n"),
        "{answer}"
    );
    // Without a token it answers nothing, and git (with prompts off) gives up.
    assert_ne!(fill("").status.code(), Some(0));
    // store and erase are no-ops: nothing is written anywhere.
    let o = Command::new("bash")
        .arg(&helper)
        .arg("store")
        .env("DOCKBENCH_GIT_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert_eq!((o.status.code(), o.stdout.len()), (Some(0), 0));
}

// --- the workflow files ---------------------------------------------------------------------

fn workflow(name: &str) -> Value {
    let path = root().join(".github/workflows").join(name);
    // PyYAML is on every machine of this project's kind; serde has no maintained YAML crate.
    let o = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(&path)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "{name} does not parse as YAML: {}",
        show(&o)
    );
    let mut doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    // YAML 1.1 (PyYAML) reads the key `on` as the boolean true; GitHub reads it as "on".
    let obj = doc.as_object_mut().unwrap();
    if let Some(on) = obj.remove("true") {
        obj.insert("on".into(), on);
    }
    doc
}

fn steps(doc: &Value) -> Vec<&Value> {
    doc["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_array().unwrap())
        .collect()
}

fn runs(doc: &Value) -> String {
    steps(doc)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn uses<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
    steps(doc)
        .into_iter()
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
        .collect()
}

const WORKFLOWS: [&str; 3] = [
    "dockbench-pr.yml",
    "dockbench-pr-comment.yml",
    "dockbench-scheduled.yml",
];

/// Every workflow: the benchmark ones above, and the code checks and the release (issue 31),
/// which run cargo rather than a script of ours.
const ALL_WORKFLOWS: [&str; 5] = [
    "dockbench-pr.yml",
    "dockbench-pr-comment.yml",
    "dockbench-scheduled.yml",
    "ci.yml",
    "release.yml",
];

/// The actions not GitHub's own, each for one job the issue asked for: the build cache and
/// cargo-deny.
const OTHER_ACTIONS: [&str; 2] = ["Swatinem/rust-cache", "EmbarkStudios/cargo-deny-action"];

fn jobs(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["jobs"].as_object().unwrap()
}

fn job_steps<'a>(job: &'a Value, action: &str) -> Vec<&'a Value> {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
        .collect()
}

fn job_run(job: &Value) -> String {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn workflows_parse_and_reference_existing_scripts() {
    for name in ALL_WORKFLOWS {
        let doc = workflow(name);
        assert!(doc["name"].is_string() && doc["on"].is_object(), "{name}");
        for step in steps(&doc) {
            assert!(
                step["run"].is_string() != step["uses"].is_string(),
                "{name}: {step}"
            );
            if let Some(action) = step["uses"].as_str() {
                let own = action.starts_with("actions/");
                assert!(
                    own || OTHER_ACTIONS
                        .iter()
                        .any(|a| action.starts_with(&format!("{a}@"))),
                    "{name}: only GitHub's own actions and {OTHER_ACTIONS:?}: {action}"
                );
            }
            if let Some(run) = step["run"].as_str() {
                // Expressions in `run:` are pasted into the shell before it parses them; values
                // go through `env:` instead, where no PR title or branch name can inject code.
                assert!(!run.contains("${{"), "{name}: expression inside run: {run}");
            }
        }
        let all_runs = runs(&doc);
        let mut scripts = 0;
        for word in all_runs.split_whitespace() {
            if let Some(path) = word.strip_prefix("scripts/") {
                let path = root()
                    .join("scripts")
                    .join(path.trim_end_matches(['"', ';']));
                assert!(
                    path.is_file(),
                    "{name} runs {}, which does not exist",
                    path.display()
                );
                scripts += 1;
            }
        }
        assert!(
            scripts > 0 || !WORKFLOWS.contains(&name),
            "{name} runs no script"
        );
    }
}

#[test]
fn workflows_pin_every_action_by_commit_sha() {
    // A tag can be moved to other code; a commit cannot. The comment names the release, for
    // people and for update tools, and one action is pinned to one commit everywhere.
    let mut pins: std::collections::BTreeMap<String, String> = Default::default();
    for name in ALL_WORKFLOWS {
        let text = read(root().join(".github/workflows").join(name));
        let mut count = 0;
        for line in text.lines().filter(|l| l.contains("uses:")) {
            let rest = line.trim_start().trim_start_matches("- ");
            let rest = rest
                .strip_prefix("uses: ")
                .unwrap_or_else(|| panic!("{name}: {line}"));
            let (action, pin) = rest.split_once('@').expect("action@ref");
            let (sha, version) = pin
                .split_once(" # ")
                .unwrap_or_else(|| panic!("{name}: no `# vX.Y.Z` comment: {line}"));
            assert!(
                sha.len() == 40
                    && sha
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{name}: not a full commit SHA: {line}"
            );
            let parts: Vec<&str> = version.trim_start_matches('v').split('.').collect();
            assert!(
                version.starts_with('v')
                    && parts.len() == 3
                    && parts
                        .iter()
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                "{name}: the comment is not a vX.Y.Z release: {line}"
            );
            let previous = pins.insert(action.to_string(), pin.to_string());
            assert!(
                previous.is_none_or(|p| p == pin),
                "{name}: {action} pinned to two commits"
            );
            count += 1;
        }
        assert_eq!(
            count,
            uses(&workflow(name), "").len(),
            "{name}: every uses: line seen"
        );
    }
    assert_eq!(
        pins.keys().collect::<Vec<_>>(),
        [
            "EmbarkStudios/cargo-deny-action",
            "Swatinem/rust-cache",
            "actions/checkout",
            "actions/download-artifact",
            "actions/upload-artifact"
        ]
    );
}

/// Issue 31: every job that compiles keeps its cargo target folder between runs, except the
/// release's, which builds from the tagged source alone (no cache a pull request could fill).
#[test]
fn every_job_that_builds_caches_its_target_folder_but_the_release() {
    // `bench-pr.sh` builds both sides; `bench-pr.sh merge` (the compare job) builds nothing.
    const BUILDS: [&str; 5] = [
        "cargo build",
        "cargo test",
        "cargo clippy",
        "cargo +1.89 check",
        "bash scripts/bench-pr.sh\n",
    ];
    let mut builders = 0;
    for name in ALL_WORKFLOWS {
        let doc = workflow(name);
        for (id, job) in jobs(&doc) {
            let run = job_run(job) + "\n";
            if !BUILDS.iter().any(|b| run.contains(b)) {
                continue;
            }
            builders += 1;
            let cached = !job_steps(job, "Swatinem/rust-cache@").is_empty();
            assert_eq!(cached, name != "release.yml", "{name}: job {id}");
        }
    }
    assert_eq!(
        builders, 6,
        "lint, test, msrv, the two bench jobs and the release's build"
    );
}

#[test]
fn workflows_keep_no_credentials_and_grant_tokens_per_job() {
    for name in ALL_WORKFLOWS {
        let doc = workflow(name);
        assert_eq!(
            doc["permissions"],
            serde_json::json!({}),
            "{name}: top-level permissions grant nothing"
        );
        for (id, job) in jobs(&doc) {
            assert!(
                job["permissions"].is_object(),
                "{name}: job {id} says which token rights it needs"
            );
            for checkout in job_steps(job, "actions/checkout") {
                // A persisted token would sit in .git/config for every later step (and any
                // artifact of the checkout) to read.
                assert_eq!(
                    checkout["with"]["persist-credentials"], false,
                    "{name}: job {id}: {checkout}"
                );
            }
        }
    }
}

#[test]
fn pr_workflow_shards_with_a_read_only_token_and_judges_once() {
    let doc = workflow("dockbench-pr.yml");
    assert!(doc["on"].get("pull_request").is_some());
    assert!(
        doc["on"].get("pull_request_target").is_none(),
        "never with the base's secrets"
    );
    for (id, job) in jobs(&doc) {
        assert_eq!(
            job["permissions"],
            serde_json::json!({"contents": "read"}),
            "job {id}: the PR's code runs here"
        );
    }
    let bench = &doc["jobs"]["bench"];
    assert_eq!(
        bench["strategy"]["matrix"]["shard"],
        serde_json::json!([1, 2])
    );
    assert_eq!(bench["strategy"]["fail-fast"], false);
    let step = bench["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["run"] == "bash scripts/bench-pr.sh")
        .expect("the shard's benchmark");
    assert_eq!(
        step["env"]["SHARD"],
        "${{ matrix.shard }}/${{ strategy.job-total }}"
    );
    assert_eq!(step["env"]["BASE_REF"], "HEAD^1");
    let upload = &job_steps(bench, "actions/upload-artifact")[0];
    assert_eq!(
        upload["with"]["name"],
        "dockbench-pr-shard-${{ matrix.shard }}"
    );
    assert_eq!(
        upload["if"], "${{ !cancelled() }}",
        "a failed shard says why"
    );

    let compare = &doc["jobs"]["compare"];
    assert_eq!(compare["needs"], "bench");
    assert_eq!(
        compare["if"], "${{ !cancelled() }}",
        "a comment after failed shards too"
    );
    assert_eq!(
        job_steps(compare, "actions/download-artifact")[0]["with"]["pattern"],
        "dockbench-pr-shard-*"
    );
    assert!(
        job_run(compare).contains("bash scripts/bench-pr.sh merge \"$SHARDS_DIR\"/*"),
        "{}",
        job_run(compare)
    );
    assert!(
        !job_run(compare).contains("setup.sh"),
        "no Docker needed to judge"
    );
    let upload = job_steps(compare, "actions/upload-artifact")
        .into_iter()
        .find(|s| s["with"]["name"] == "dockbench-pr-comment")
        .expect("the comment artifact");
    let paths = upload["with"]["path"].as_str().unwrap();
    assert!(
        paths.contains("comment.md") && paths.contains("pr-number"),
        "{paths}"
    );
    assert_eq!(
        upload["if"], "${{ !cancelled() }}",
        "uploaded on a regression too"
    );
}

#[test]
fn comment_workflow_never_runs_the_pr_code() {
    let pr = workflow("dockbench-pr.yml");
    let doc = workflow("dockbench-pr-comment.yml");
    let trigger = &doc["on"]["workflow_run"];
    assert_eq!(trigger["workflows"], serde_json::json!([pr["name"]]));
    assert_eq!(trigger["types"], serde_json::json!(["completed"]));
    // The one zizmor finding left, on purpose (docs/ci.md says why it is safe).
    let text = read(root().join(".github/workflows/dockbench-pr-comment.yml"));
    assert!(
        text.contains("  workflow_run: # zizmor: ignore[dangerous-triggers]\n"),
        "{text}"
    );
    let job = &doc["jobs"]["comment"];
    assert_eq!(
        job["permissions"],
        serde_json::json!({"actions": "read", "contents": "read", "pull-requests": "write"})
    );
    for checkout in uses(&doc, "actions/checkout") {
        assert!(
            checkout["with"].get("ref").is_none(),
            "a ref could point at the PR's code: {checkout}"
        );
    }
    let run = runs(&doc);
    for forbidden in ["cargo", "bench-pr.sh", "setup.sh", "dockbench run"] {
        assert!(!run.contains(forbidden), "runs {forbidden}");
    }
    assert!(
        run.contains("^[0-9]+$") && run.contains("bash scripts/pr-comment.sh"),
        "{run}"
    );
    let download = uses(&doc, "actions/download-artifact");
    assert_eq!(download[0]["with"]["name"], "dockbench-pr-comment");
    assert!(download[0]["with"]["run-id"]
        .as_str()
        .unwrap()
        .contains("github.event.workflow_run.id"));
    let post = steps(&doc)
        .into_iter()
        .find(|s| s["run"].is_string())
        .unwrap();
    assert_eq!(
        post["env"]["DOCKBENCH_EXPECT_HEAD_SHA"],
        "${{ github.event.workflow_run.head_sha }}"
    );
}

#[test]
fn scheduled_workflow_shards_then_records_once() {
    let doc = workflow("dockbench-scheduled.yml");
    assert!(doc["on"]["schedule"][0]["cron"].is_string());
    let inputs = &doc["on"]["workflow_dispatch"]["inputs"];
    assert_eq!(
        inputs["suite"]["default"],
        "scenarios/python-api/suite.toml"
    );
    assert_eq!(inputs["shards"]["default"], 2);
    assert!(
        doc["concurrency"]["group"].is_string(),
        "one history writer at a time"
    );

    let plan = &doc["jobs"]["plan"];
    assert_eq!(plan["permissions"], serde_json::json!({}));
    assert_eq!(
        plan["steps"][0]["env"]["SHARDS"],
        "${{ inputs.shards || 2 }}"
    );

    let bench = &doc["jobs"]["bench"];
    assert_eq!(
        bench["permissions"],
        serde_json::json!({"contents": "read"})
    );
    assert_eq!(
        bench["strategy"]["matrix"]["shard"],
        "${{ fromJSON(needs.plan.outputs.shards) }}"
    );
    let step = bench["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["run"] == "bash scripts/bench-scheduled.sh")
        .expect("the shard's run");
    assert_eq!(
        step["env"]["SHARD"],
        "${{ matrix.shard }}/${{ strategy.job-total }}"
    );
    assert!(step["env"].get("HISTORY_TOKEN").is_none());
    assert_eq!(
        job_steps(bench, "actions/upload-artifact")[0]["with"]["name"],
        "dockbench-shard-${{ matrix.shard }}"
    );

    // Only the record job may write, and only its one step holds the token.
    let record = &doc["jobs"]["record"];
    assert_eq!(
        record["permissions"],
        serde_json::json!({"contents": "write"})
    );
    assert_eq!(record["needs"], "bench");
    assert_eq!(record["if"], "${{ !cancelled() }}");
    assert_eq!(
        job_steps(record, "actions/download-artifact")[0]["with"]["pattern"],
        "dockbench-shard-*"
    );
    let holders: Vec<&Value> = steps(&doc)
        .into_iter()
        .filter(|s| s.to_string().contains("github.token"))
        .collect();
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(holders[0]["env"]["HISTORY_TOKEN"], "${{ github.token }}");
    assert_eq!(
        holders[0]["run"],
        "bash scripts/bench-scheduled.sh merge \"$SHARDS_DIR\"/*"
    );
    assert!(!job_run(record).contains("setup.sh") && !job_run(record).contains("cargo"));
    assert_eq!(uses(&doc, "actions/upload-artifact").len(), 2);
}

#[test]
fn scripts_parse() {
    for name in [
        "pr-comment.sh",
        "bench-pr.sh",
        "bench-scheduled.sh",
        "lint-workflows.sh",
        "lib/git-credential-token.sh",
        "private-engine.sh",
        "engines.sh",
        "lib/engine-net.sh",
        "lib/debian-prefix.sh",
    ] {
        let o = Command::new("bash")
            .arg("-n")
            .arg(root().join("scripts").join(name))
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", show(&o));
    }
}

/// `scripts/engines.sh` names its engines and refuses any other name before it touches
/// anything (no root, network or daemon needed for either).
#[test]
fn engines_lists_its_names_and_refuses_others() {
    let run = |args: &[&str]| {
        Command::new("bash")
            .arg(root().join("scripts/engines.sh"))
            .args(args)
            .env("DOCKBENCH_ENGINES_PREFIX", "/nonexistent/dockbench-engines")
            .output()
            .unwrap()
    };
    let o = run(&["list"]);
    assert!(o.status.success(), "{}", show(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .collect::<Vec<_>>(),
        [
            "docker26",
            "docker26-containerd",
            "docker28",
            "docker28-containerd",
            "podman"
        ]
    );
    for cmd in ["start", "stop", "status", "install", "images", "check"] {
        let o = run(&[cmd, "docker99"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", show(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("no engine 'docker99'"),
            "{cmd}: {}",
            show(&o)
        );
    }
    let o = run(&["start"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
}

/// `scripts/lib/wait-dockerd.sh`, sourced by setup.sh and private-engine.sh, with `sleep` and
/// `true`/`false` standing in for dockerd and its `docker info` check.
fn wait_for_dockerd(daemon: &str, check: &str, timeout_s: u32) -> Output {
    let lib = root().join("scripts/lib/wait-dockerd.sh");
    let body = format!(
        "die() {{ echo \"died: $*\"; exit 7; }}\n\
         source '{}'\n\
         {daemon} & pid=$!\n\
         echo 'daemon log line' > \"$LOG\"\n\
         wait_for_dockerd \"$pid\" \"$LOG\" {timeout_s} {check}\n\
         echo \"answered after $waited s\"\n\
         kill \"$pid\" 2>/dev/null; exit 0",
        lib.display()
    );
    let dir = TempDir::new().unwrap();
    Command::new("bash")
        .args(["-c", &body])
        .env("LOG", dir.path().join("dockerd.log"))
        .output()
        .unwrap()
}

#[test]
fn wait_for_dockerd_returns_when_the_daemon_answers() {
    let o = wait_for_dockerd("sleep 30", "true", 5);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_eq!(text(&o.stdout).trim(), "answered after 0 s", "{}", show(&o));
}

#[test]
fn wait_for_dockerd_dies_when_the_daemon_exits_and_shows_its_log() {
    let o = wait_for_dockerd("true", "false", 30);
    assert_eq!(o.status.code(), Some(7), "{}", show(&o));
    assert!(
        text(&o.stdout).contains("died: dockerd exited before answering"),
        "{}",
        show(&o)
    );
    assert!(text(&o.stderr).contains("daemon log line"), "{}", show(&o));
}

#[test]
fn wait_for_dockerd_gives_up_after_the_timeout() {
    let o = wait_for_dockerd("sleep 30", "false", 2);
    assert_eq!(o.status.code(), Some(7), "{}", show(&o));
    let out = text(&o.stdout);
    assert!(out.contains("did not answer within 2s"), "{}", show(&o));
}

/// scripts/registry.sh: Debian's registry starts on the loopback, answers the registry API at
/// the address it prints, takes a push from the machine's engine that dockbench's reader reads
/// back (the manifest's size as `docker push` prints it), and `stop` leaves no process and no
/// storage behind.
#[test]
fn registry_script_serves_the_registry_api_and_stops_clean() {
    let dir = tempfile::tempdir().unwrap();
    let started = script("registry.sh", &["start"], dir.path(), &[]);
    let out = text(&started.stdout);
    assert!(started.status.success(), "{out}{}", text(&started.stderr));
    let address = out
        .trim()
        .strip_prefix("export DOCKBENCH_REGISTRY=")
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    // GET /v2/ over plain HTTP: the registry API's root answers 200 with `{}`.
    let answer = {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "GET /v2/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    // A real push from the machine's engine (127.0.0.1 is an insecure registry by default),
    // read back by dockbench's registry reader; `docker push` prints the manifest's size, an
    // independent figure for the reader's.
    let image = format!("{address}/dockbench-test/busybox:1");
    let docker = |args: &[&str]| {
        let out = Command::new("docker").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    docker(&["tag", "dockbench/busybox", &image]);
    let pushed = docker(&["push", &image]);
    docker(&["rmi", &image]);
    let stored = tokio::runtime::Runtime::new().unwrap().block_on(
        dockbench::driver::registry::stored_image(
            &address,
            "dockbench-test/busybox",
            "1",
            "linux",
            "amd64",
        ),
    );
    let stopped = script("registry.sh", &["stop"], dir.path(), &[]);
    let stored = stored.unwrap();
    let manifest_size: u64 = pushed
        .rsplit("size: ")
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("{pushed}"));
    assert_eq!(stored.manifest_bytes, manifest_size, "{pushed}");
    // busybox is one layer of about 2.2 MB unpacked, under 2 MB compressed.
    assert_eq!(stored.layer_bytes.len(), 1, "{stored:?}");
    assert!(
        (500_000..2_500_000).contains(&stored.layer_bytes[0]),
        "{stored:?}"
    );
    assert!(stored.config_bytes > 0);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("{}"), "{answer}");
    assert!(stopped.status.success(), "{}", text(&stopped.stderr));
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "still serving"
    );
    assert!(!Path::new("/var/lib/dockbench-registry").exists());
}
