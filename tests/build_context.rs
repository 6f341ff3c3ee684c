//! The build context dockerbench sends, checked against the docker CLI's own: the CLI (classic
//! builder, `DOCKER_BUILDKIT=0`) is pointed at a fake engine on a unix socket that saves the
//! context tar it uploads, and its entries are compared with those of dockbench's tar. Then an
//! excluded Dockerfile is built on the real engine with both builders. The CLI runs here only as
//! an independent cross-check; dockbench never calls it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;

use common::*;
use dockbench::measure::context::PrivateContext;
use dockbench::scenario::Builder;

/// The entries of a tar, in order, folders without their trailing `/`.
fn tar_entries(bytes: &[u8]) -> Vec<String> {
    tar::Archive::new(bytes)
        .entries()
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path().unwrap().to_string_lossy().into_owned();
            path.trim_end_matches('/').to_string()
        })
        .collect()
}

/// Answers one connection of the docker CLI: `HEAD /_ping` with the API version, then
/// `POST /build`, whose (chunked) body is the context tar it sends on.
fn serve(stream: UnixStream, tars: &mpsc::Sender<Vec<u8>>) {
    let mut out = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut chunked = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            chunked |= header.eq_ignore_ascii_case("transfer-encoding: chunked\r\n");
        }
        if !request.contains("/build") {
            out.write_all(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            continue;
        }
        assert!(chunked, "the CLI streams the context: {request}");
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
        tars.send(body).unwrap();
        let stream = b"{\"stream\":\"fake engine\\n\"}\r\n";
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            stream.len()
        )
        .unwrap();
        out.write_all(stream).unwrap();
    }
}

/// The entries of the context tar that `docker build -f DOCKERFILE CONTEXT` sends.
fn cli_context(context: &Path, dockerfile: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            serve(stream.unwrap(), &send);
        }
    });
    let output = Command::new("docker")
        .arg("-H")
        .arg(format!("unix://{}", socket.display()))
        .args(["build", "-q", "-f", dockerfile, "."])
        .current_dir(context)
        .env("DOCKER_BUILDKIT", "0")
        .env("DOCKER_CONFIG", dir.path())
        .output()
        .expect("run the docker CLI");
    assert!(output.status.success(), "{}", show(&output));
    tar_entries(&receive.recv().unwrap())
}

/// The entries of the context tar dockbench sends.
fn dockbench_context(context: &Path, dockerfile: &str) -> Vec<String> {
    let private =
        PrivateContext::copy_of(context, Path::new(dockerfile), Builder::Classic).unwrap();
    tar_entries(&private.tar().unwrap())
}

/// A copy of tests/fixtures/busybox/ignore with `ignore` as its `.dockerignore`.
fn fixture_with(ignore: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = fixture("busybox/ignore");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    std::fs::write(dir.path().join(".dockerignore"), ignore).unwrap();
    dir
}

#[test]
fn the_fixtures_context_is_exactly_what_the_docker_cli_sends() {
    let context = fixture("busybox/ignore");
    let cli = cli_context(&context, "Dockerfile");
    assert_eq!(dockbench_context(&context, "Dockerfile"), cli);
    assert_eq!(
        cli,
        [
            ".dockerignore",
            "Dockerfile",
            "README.md",
            "app.py",
            "c1.tmp",
            "cache",
            "cache/y.txt",
            "docs/keep.md",
            "docs/sub/a.txt",
            "src",
            "src/build.log",
            "src/mod.py",
        ],
        "what the CLI sent"
    );
}

#[test]
fn tricky_ignore_files_give_the_docker_clis_context() {
    let cases = [
        ("", "Dockerfile"),
        ("*\n", "Dockerfile"),
        ("*\n!docs\n", "Dockerfile"),
        ("!docs/keep.md\ndocs\n", "Dockerfile"),
        ("docs\n!**/keep.md\n", "Dockerfile"),
        ("docs\n!docs/*.md\n", "Dockerfile"),
        ("docs/x.md\n!docs\n", "Dockerfile"),
        ("[^a]?.tmp\n\\*\n", "Dockerfile"),
        ("**\n!src/**\n", "Dockerfile"),
        ("src\n", "src/mod.py"),
        ("**/src\n", "src/mod.py"),
        ("/docs/./sub/../x.md\n.dockerignore\n", "Dockerfile"),
    ];
    for (ignore, dockerfile) in cases {
        let context = fixture_with(ignore);
        let cli = cli_context(context.path(), dockerfile);
        let ours = dockbench_context(context.path(), dockerfile);
        assert_eq!(ours, cli, ".dockerignore {ignore:?}, -f {dockerfile}");
    }
}

#[test]
fn an_excluded_dockerfile_still_builds_with_both_builders() {
    let out = tempfile::tempdir().unwrap();
    let (output, results) = run_suite_at(
        &fixture("busybox/ignore/suite.toml"),
        out.path(),
        &["--no-report"],
    );
    assert!(output.status.success(), "{}", show(&output));
    for name in ["ignore-buildkit", "ignore-classic"] {
        let v = variant(&results, name);
        assert_eq!(v["status"], "ok", "{name}: {}", v["error"]);
    }
}
