//! Pass 2 for `[run]` tables: readiness (HTTP probe, log line or HEALTHCHECK), timings, the
//! container's environment and its production settings (limits, user, tmpfs).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::raw::RawRun;
use super::resolve::{quantity, resolve_duration, Checker};
use super::SuiteError;
use crate::metric::Unit;
use crate::scenario::compose::{load_stack, StackSpec};
use crate::scenario::envfile::parse_env_file;
use crate::scenario::units;
use crate::scenario::{Limits, RunSpec};

pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub(super) const DEFAULT_SETTLE: Duration = Duration::from_secs(2);
/// Docker 20.10 refuses memory limits under 6 MB ("Minimum memory limit allowed is 6MB").
const MIN_MEMORY_BYTES: u64 = 6 * 1024 * 1024;

/// `key` is `run` or `variant[N].run`; `suite_dir` anchors `env_file`.
pub(super) fn resolve_run(ck: &mut Checker, raw: &RawRun, key: &str, suite_dir: &Path) -> RunSpec {
    let sub = |name: &str| format!("{key}.{name}");
    let port = raw.port.as_ref().and_then(|port| {
        let valid = port
            .get_ref()
            .as_integer()
            .and_then(|p| u16::try_from(p).ok());
        let valid = valid.filter(|&p| p >= 1);
        if valid.is_none() {
            let message = format!(
                "port must be an integer in 1..=65535, found {}",
                port.get_ref()
            );
            ck.error(port.span(), sub("port"), message);
        }
        valid
    });
    check_readiness(ck, raw, key, port.is_some() || raw.port.is_some());
    let timeout = resolve_duration(ck, raw.timeout.as_ref(), &sub("timeout"));
    if let (Some(Duration::ZERO), Some(value)) = (timeout, &raw.timeout) {
        ck.error(
            value.span(),
            sub("timeout"),
            "timeout must be greater than 0",
        );
    }
    let settle = resolve_duration(ck, raw.settle.as_ref(), &sub("settle"));
    let command = raw.command.as_ref().map(|command| {
        if command.get_ref().is_empty() {
            let message = "command must not be empty; leave it out to use the image's CMD";
            ck.error(command.span(), sub("command"), message);
        }
        command.get_ref().clone()
    });
    let mut env = match &raw.env_file {
        Some(file) => resolve_env_file(ck, file, &sub("env_file"), suite_dir),
        None => BTreeMap::new(),
    };
    env.extend(raw.env.clone());
    let mut spec = RunSpec {
        port,
        http_probe: raw.http_probe.as_ref().map(|p| p.get_ref().clone()),
        http_status: resolve_http_status(ck, raw.http_status.as_ref(), &sub("http_status")),
        ready_log: raw.ready_log.as_ref().map(|r| r.get_ref().clone()),
        timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        settle: settle.unwrap_or(DEFAULT_SETTLE),
        env,
        command,
        limits: resolve_limits(ck, raw, key),
        user: resolve_user(ck, raw.user.as_ref(), &sub("user")),
        tmpfs: resolve_tmpfs(ck, raw.tmpfs.as_ref(), &sub("tmpfs")),
        stack: None,
    };
    if let Some(stack) = resolve_stack(ck, raw, key, suite_dir) {
        merge_measured_service(&mut spec, raw, &stack);
        spec.stack = Some(stack);
    }
    spec
}

/// `compose` and `service` together: the stack, or `None` (errors reported, in the compose
/// file's own terms: its path, line and key).
fn resolve_stack(ck: &mut Checker, raw: &RawRun, key: &str, suite_dir: &Path) -> Option<StackSpec> {
    let sub = |name: &str| format!("{key}.{name}");
    let (file, service) = match (&raw.compose, &raw.service) {
        (None, None) => return None,
        (Some(file), Some(service)) => (file, service),
        (Some(file), None) => {
            let message = "compose needs `service`: the compose service whose image is this \
                           variant's build";
            ck.error(file.span(), sub("compose"), message);
            return None;
        }
        (None, Some(service)) => {
            let message = "service needs `compose`: the compose file it is defined in";
            ck.error(service.span(), sub("service"), message);
            return None;
        }
    };
    let path = suite_dir.join(file.get_ref());
    if !path.is_file() {
        let message = format!("compose file not found (looked for {})", path.display());
        ck.error(file.span(), sub("compose"), message);
        return None;
    }
    // Shown as the suite's own path is: relative to where dockbench was started.
    let shown = ck
        .file
        .parent()
        .unwrap_or(Path::new(""))
        .join(file.get_ref());
    match load_stack(&path, service.get_ref()) {
        Ok(stack) => Some(stack),
        Err(errors) => {
            for e in errors {
                ck.errors.push(SuiteError {
                    file: shown.clone(),
                    line: e.line,
                    key: e.key,
                    message: e.message,
                });
            }
            None
        }
    }
}

/// The measured service's compose settings under the suite's: the suite's `env` over the
/// service's environment, and its `command`, `user`, `tmpfs`, `memory` and `cpus` in place of
/// the service's when given.
fn merge_measured_service(spec: &mut RunSpec, raw: &RawRun, stack: &StackSpec) {
    let measured = stack.measured();
    let mut env = measured.env.clone();
    env.extend(std::mem::take(&mut spec.env));
    spec.env = env;
    if spec.command.is_none() {
        spec.command = measured.command.clone();
    }
    if raw.user.is_none() {
        spec.user = measured.user.clone();
    }
    if raw.tmpfs.is_none() {
        spec.tmpfs = measured.tmpfs.clone();
    }
    if raw.memory.is_none() {
        spec.limits.memory_bytes = measured.limits.memory_bytes;
        spec.limits.memory_text = measured.limits.memory_text.clone();
    }
    if raw.cpus.is_none() {
        spec.limits.cpus = measured.limits.cpus;
    }
}

/// One readiness signal at most, and what each needs.
fn check_readiness(ck: &mut Checker, raw: &RawRun, key: &str, has_port: bool) {
    let sub = |name: &str| format!("{key}.{name}");
    if let Some(probe) = &raw.http_probe {
        if !probe.get_ref().starts_with('/') {
            let message = format!(
                "http_probe must be a path starting with \"/\", like \"/health\", found {:?}",
                probe.get_ref()
            );
            ck.error(probe.span(), sub("http_probe"), message);
        }
        if !has_port {
            let message = "http_probe needs `port`, the port the app listens on in the container";
            ck.error(probe.span(), sub("http_probe"), message);
        }
    }
    if let (Some(status), None) = (&raw.http_status, &raw.http_probe) {
        let message = "http_status applies to http_probe, which is not set";
        ck.error(status.span(), sub("http_status"), message);
    }
    if let Some(pattern) = &raw.ready_log {
        if let Err(e) = regex::Regex::new(pattern.get_ref()) {
            let message = format!("ready_log is not a valid regex: {e}");
            ck.error(pattern.span(), sub("ready_log"), message);
        } else if pattern.get_ref().is_empty() {
            let message = "ready_log must not be empty (it would match the first line of output)";
            ck.error(pattern.span(), sub("ready_log"), message);
        }
        if raw.http_probe.is_some() {
            let message = "give one readiness signal: http_probe or ready_log, not both";
            ck.error(pattern.span(), sub("ready_log"), message);
        }
    }
}

/// An integer or an array of integers, each an HTTP status code; empty means any 2xx.
fn resolve_http_status(
    ck: &mut Checker,
    value: Option<&Spanned<toml::Value>>,
    key: &str,
) -> Vec<u16> {
    let Some(value) = value else {
        return Vec::new();
    };
    let items: Vec<&toml::Value> = match value.get_ref() {
        toml::Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let codes: Option<Vec<u16>> = items
        .iter()
        .map(|v| v.as_integer().and_then(|n| u16::try_from(n).ok()))
        .map(|code| code.filter(|c| (100..=599).contains(c)))
        .collect();
    match codes {
        Some(codes) if !codes.is_empty() => codes,
        _ => {
            let message = format!(
                "http_status must be an HTTP status code (100..=599) or an array of them, like 204 or [200, 204], found {}",
                value.get_ref()
            );
            ck.error(value.span(), key, message);
            Vec::new()
        }
    }
}

fn resolve_limits(ck: &mut Checker, raw: &RawRun, key: &str) -> Limits {
    let mut limits = Limits::default();
    if let Some(memory) = &raw.memory {
        let key = format!("{key}.memory");
        let bytes = quantity(memory.get_ref())
            .and_then(|q| units::limit_of(Unit::Bytes, q).map_err(|e| e.0));
        match bytes.map(|b| b as u64) {
            Ok(b) if b >= MIN_MEMORY_BYTES => {
                limits.memory_bytes = Some(b);
                limits.memory_text = Some(match memory.get_ref() {
                    toml::Value::String(text) => text.trim().to_string(),
                    other => format!("{other} bytes"),
                });
            }
            Ok(b) => {
                let message =
                    format!("memory must be at least 6MiB, as Docker requires; found {b} bytes");
                ck.error(memory.span(), key, message);
            }
            Err(message) => ck.error(memory.span(), key, message),
        }
    }
    if let Some(cpus) = &raw.cpus {
        let value = match cpus.get_ref() {
            toml::Value::Integer(n) => Some(*n as f64),
            toml::Value::Float(f) => Some(*f),
            _ => None,
        };
        // Docker's own floor: --cpus is stored as NanoCpus, and 0.01 is the smallest it takes.
        match value.filter(|c| c.is_finite() && *c >= 0.01) {
            Some(c) => limits.cpus = Some(c),
            None => {
                let message = format!(
                    "cpus must be a number of CPUs of at least 0.01, like 1.5, found {}",
                    cpus.get_ref()
                );
                ck.error(cpus.span(), format!("{key}.cpus"), message);
            }
        }
    }
    limits
}

fn resolve_user(ck: &mut Checker, user: Option<&Spanned<String>>, key: &str) -> Option<String> {
    let user = user?;
    let text = user.get_ref().trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        let message = format!(
            "user must be a name or uid, optionally with :group, like \"app\" or \"1000:1000\", found {:?}",
            user.get_ref()
        );
        ck.error(user.span(), key, message);
        return None;
    }
    Some(text.to_string())
}

fn resolve_tmpfs(ck: &mut Checker, tmpfs: Option<&Spanned<Vec<String>>>, key: &str) -> Vec<String> {
    let Some(tmpfs) = tmpfs else {
        return Vec::new();
    };
    for path in tmpfs.get_ref() {
        // `docker run --tmpfs /run:size=64m` takes options after a colon, as this does.
        let mount = path.split(':').next().unwrap_or("");
        if !mount.starts_with('/') || mount == "/" {
            let message = format!(
                "tmpfs entries must be absolute paths other than /, like \"/tmp\" or \"/run:size=64m\", found {path:?}"
            );
            ck.error(tmpfs.span(), key, message);
        }
    }
    tmpfs.get_ref().clone()
}

fn resolve_env_file(
    ck: &mut Checker,
    file: &Spanned<String>,
    key: &str,
    suite_dir: &Path,
) -> BTreeMap<String, String> {
    let path = suite_dir.join(file.get_ref());
    let parsed = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read env_file {}: {e}", path.display()))
        .and_then(|text| {
            parse_env_file(&text, |name| std::env::var(name).ok())
                .map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))
        });
    parsed.unwrap_or_else(|message| {
        ck.error(file.span(), key, message);
        BTreeMap::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_follow_docker_run_rules() {
        let text = "# comment\n\nA=1\nC=\"quoted\" \nFROM_HOST\nMISSING\nD=a=b\n";
        let env = parse_env_file(text, |n| (n == "FROM_HOST").then(|| "h".to_string())).unwrap();
        let expected: BTreeMap<String, String> = [
            ("A", "1"),
            ("C", "\"quoted\" "),
            ("D", "a=b"),
            ("FROM_HOST", "h"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(env, expected);
        // A space in a name: Docker refuses it, and so does this, naming the line.
        let (line, why) = parse_env_file("A=1\n  B = x\n", |_| None).unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("\"B \""), "{why}");
    }
}
