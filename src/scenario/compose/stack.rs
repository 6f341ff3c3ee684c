//! A compose file read for one measured service: the services it needs, in start order, as plain
//! data the measurement can run. The file is read with the `compose_spec` crate (shape, types,
//! short and long syntaxes) after `${VAR}` interpolation; every key of a started service is
//! then honoured, accepted (it does not change what is measured) or refused with the line, the
//! key and what to do instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use compose_spec::service::volumes::{self as compose_volumes, mount, ShortVolume, Source};
use compose_spec::service::{self as cs, ByteValue, Command};
use compose_spec::{Compose, ShortOrLong};
use yaml_serde::Value;

use super::interpolate::interpolate_tree;
use super::locate::{key_lines, line_of};
use super::plan::{start_plan, Step};
use crate::scenario::envfile::parse_compose_env_file;
use crate::scenario::Limits;

/// A stack to start for one measured service.
#[derive(Debug, Clone, PartialEq)]
pub struct StackSpec {
    /// The compose file (absolute).
    pub file: PathBuf,
    /// The measured service.
    pub service: String,
    /// Dependencies first (each after what it depends on), the measured service last.
    pub services: Vec<StackService>,
    /// Compose networks the services join; each is made fresh for every repetition.
    pub networks: Vec<String>,
    /// Named volumes the services mount; each is made fresh for every repetition.
    pub volumes: Vec<String>,
    /// What was left out, for the run's notes.
    pub notes: Vec<String>,
}

impl StackSpec {
    pub fn measured(&self) -> &StackService {
        self.services
            .last()
            .expect("a stack has its measured service")
    }

    pub fn dependencies(&self) -> &[StackService] {
        &self.services[..self.services.len() - 1]
    }
}

/// A compose `build` section, paths resolved against the compose file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeBuild {
    pub context: PathBuf,
    /// Relative to `context`, as compose has it.
    pub dockerfile: Option<String>,
    pub target: Option<String>,
    pub args: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceImage {
    /// Run as is (it must be on the engine: dockbench never pulls).
    Image(String),
    /// Built once per run from its own `build`, unmeasured.
    Build(ComposeBuild),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::CompletedSuccessfully => "service_completed_successfully",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum HealthSetting {
    /// The image's own HEALTHCHECK, if any.
    Image,
    Disabled,
    /// Docker's stored form (`["CMD-SHELL", "..."]`), and the check's timeout.
    Test {
        test: Vec<String>,
        timeout: Option<Duration>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum MountSource {
    /// A named volume of the compose file.
    Volume(String),
    /// A fresh anonymous volume (`- /data`).
    Anonymous,
    Host(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StackMount {
    pub source: MountSource,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StackService {
    pub name: String,
    /// The measured service's is the variant's build; this is what compose says.
    pub image: Option<ServiceImage>,
    pub env: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub tmpfs: Vec<String>,
    pub limits: Limits,
    pub health: HealthSetting,
    /// Compose network and the extra aliases given there (the service name is always one).
    pub networks: Vec<(String, Vec<String>)>,
    pub mounts: Vec<StackMount>,
    pub waits_for: Vec<(String, Condition)>,
}

/// A mistake in a compose file, placed like a suite error.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeError {
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

/// Keys of a service that dockbench applies.
pub const HONOURED: &[&str] = &[
    "image",
    "build",
    "environment",
    "env_file",
    "command",
    "entrypoint",
    "user",
    "working_dir",
    "tmpfs",
    "mem_limit",
    "cpus",
    "deploy",
    "healthcheck",
    "depends_on",
    "networks",
    "volumes",
];

/// Keys that do not change what is measured (host ports, names, restart policies, metadata).
pub const ACCEPTED: &[&str] = &[
    "restart",
    "container_name",
    "stdin_open",
    "tty",
    "labels",
    "annotations",
    "stop_signal",
    "stop_grace_period",
    "expose",
    "ports",
    "hostname",
    "domainname",
    "logging",
    "pull_policy",
    "profiles",
    "platform",
    "develop",
];

/// `deploy` keys other than `resources` that only matter to an orchestrator.
const DEPLOY_ACCEPTED: &[&str] = &[
    "mode",
    "replicas",
    "labels",
    "placement",
    "restart_policy",
    "update_config",
    "rollback_config",
    "endpoint_mode",
];

/// What to do instead of a refused key.
fn advice(key: &str) -> &'static str {
    match key {
        "links" | "external_links" => {
            "the stack's service names are DNS aliases on its networks already: remove it"
        }
        "network_mode" => {
            "dockbench gives every repetition private networks: remove it, or use `networks`"
        }
        "extra_hosts" | "dns" | "dns_search" | "dns_opt" | "mac_address" => {
            "services reach each other by name on the stack's networks: remove it"
        }
        "secrets" | "configs" => {
            "pass the value through `environment` or `env_file`, or mount the file with a bind \
             mount in `volumes` on a dependency"
        }
        "extends" => "copy the extended service's keys into this service",
        "volumes_from" => "mount the same named volume in both services",
        "scale" => {
            "dockbench starts one container per service: remove it (measure several workers with \
             the app's own option, such as `--workers`)"
        }
        "privileged"
        | "cap_add"
        | "cap_drop"
        | "devices"
        | "security_opt"
        | "sysctls"
        | "ulimits"
        | "userns_mode"
        | "pid"
        | "ipc"
        | "uts"
        | "cgroup"
        | "cgroup_parent"
        | "runtime"
        | "isolation"
        | "device_cgroup_rules"
        | "group_add"
        | "credential_spec"
        | "storage_opt"
        | "init" => {
            "dockbench runs services with the engine's defaults: remove it, or measure this \
             stack with the compose tool itself"
        }
        _ => {
            "dockbench does not apply it: remove it (a copy of the compose file for \
             benchmarking can leave it out), knowing that the figures are then without it"
        }
    }
}

/// Reads `file` for measuring `service`. Errors in file order.
pub fn load_stack(file: &Path, service: &str) -> Result<StackSpec, Vec<ComposeError>> {
    let one =
        |line, key: Option<String>, message: String| vec![ComposeError { line, key, message }];
    let text = std::fs::read_to_string(file)
        .map_err(|e| one(None, None, format!("cannot read the compose file: {e}")))?;
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let lines = key_lines(&text);
    let at = |path: &str| line_of(&lines, path);
    let mut value: Value = yaml_serde::from_str(&text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        one(line, None, format!("not valid YAML: {e}"))
    })?;
    // `<<: *anchor` merge keys, as the compose tool applies them.
    value
        .apply_merge()
        .map_err(|e| one(None, None, format!("YAML merge key (`<<`): {e}")))?;
    // As the compose tool: the shell's variables, then the `.env` file beside the compose file.
    let dotenv = match std::fs::read_to_string(dir.join(".env")) {
        Ok(text) => {
            parse_compose_env_file(&text, |n| std::env::var(n).ok()).map_err(|(line, why)| {
                one(
                    None,
                    None,
                    format!("{}:{line}: {why}", dir.join(".env").display()),
                )
            })?
        }
        Err(_) => BTreeMap::new(),
    };
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| dotenv.get(name).cloned())
    };
    interpolate_tree(&mut value, "", &lookup)
        .map_err(|e| one(at(&e.path), Some(e.path.clone()), e.message))?;
    let compose: Compose = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let mut path = e.path().to_string();
        let mut message = e.inner().to_string();
        // compose_spec takes an unknown key for a misspelt extension: name the key itself.
        if let Some(key) = message
            .strip_prefix("extension key `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(key, _)| key.to_string())
        {
            path = format!("{path}.{key}");
            message = format!(
                "unknown key `{key}`: not in the compose specification (keys of your own must \
                 start with `x-`)"
            );
        }
        one(at(&path), Some(path), message)
    })?;
    let plan = start_plan(&compose, service)
        .map_err(|e| one(at(&format!("services.{service}")), None, e.to_string()))?;

    let mut errors = Vec::new();
    for step in &plan {
        check_keys(&value, &step.service, &at, &mut errors);
    }
    check_top_level(&value, &at, &mut errors);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let mut notes = Vec::new();
    let mut services = Vec::new();
    for step in &plan {
        let measured = step.service == service;
        match convert(&compose, step, &dir, measured, &mut notes) {
            Ok(s) => services.push(s),
            Err(message) => errors.push(ComposeError {
                line: at(&format!("services.{}", step.service)),
                key: Some(format!("services.{}", step.service)),
                message,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut networks: Vec<String> = Vec::new();
    let mut volumes: Vec<String> = Vec::new();
    for s in &services {
        for (n, _) in &s.networks {
            if !networks.contains(n) {
                networks.push(n.clone());
            }
        }
        for m in &s.mounts {
            if let MountSource::Volume(v) = &m.source {
                if !volumes.contains(v) {
                    volumes.push(v.clone());
                }
            }
        }
    }
    Ok(StackSpec {
        file: file.to_path_buf(),
        service: service.to_string(),
        services,
        networks,
        volumes,
        notes,
    })
}

fn check_keys(
    value: &Value,
    service: &str,
    at: &dyn Fn(&str) -> Option<usize>,
    errors: &mut Vec<ComposeError>,
) {
    let Some(map) = value["services"][service].as_mapping() else {
        return;
    };
    let mut refuse = |path: String, key: &str, why: String| {
        errors.push(ComposeError {
            line: at(&path),
            key: Some(path),
            message: format!("dockbench cannot honour `{key}` here: {why}"),
        });
    };
    for key in map.keys().filter_map(Value::as_str) {
        let path = format!("services.{service}.{key}");
        if HONOURED.contains(&key) || ACCEPTED.contains(&key) || key.starts_with("x-") {
            continue;
        }
        refuse(path, key, advice(key).to_string());
    }
    if let Some(deploy) = map.get("deploy").and_then(Value::as_mapping) {
        for key in deploy.keys().filter_map(Value::as_str) {
            let path = format!("services.{service}.deploy.{key}");
            if key == "replicas" && deploy[key].as_u64().is_some_and(|n| n > 1) {
                refuse(path, "deploy.replicas", advice("scale").to_string());
            } else if key == "resources" {
                let limits = &deploy["resources"]["limits"];
                for lk in limits.as_mapping().into_iter().flat_map(|m| m.keys()) {
                    let lk = lk.as_str().unwrap_or_default();
                    if lk != "cpus" && lk != "memory" {
                        refuse(
                            format!("{path}.limits.{lk}"),
                            &format!("deploy.resources.limits.{lk}"),
                            "only `cpus` and `memory` limits are applied: remove it".to_string(),
                        );
                    }
                }
            } else if !DEPLOY_ACCEPTED.contains(&key) && !key.starts_with("x-") {
                refuse(path, &format!("deploy.{key}"), advice(key).to_string());
            }
        }
    }
}

/// Networks and volumes are made fresh by dockbench: what names an existing one cannot be.
fn check_top_level(
    value: &Value,
    at: &dyn Fn(&str) -> Option<usize>,
    errors: &mut Vec<ComposeError>,
) {
    for (section, driver) in [("networks", "bridge"), ("volumes", "local")] {
        let Some(map) = value[section].as_mapping() else {
            continue;
        };
        for (name, def) in map {
            let name = name.as_str().unwrap_or_default();
            let Some(def) = def.as_mapping() else {
                continue;
            };
            for key in def.keys().filter_map(Value::as_str) {
                let path = format!("{section}.{name}.{key}");
                let why = match key {
                    "external" if def[key].as_bool() == Some(true) => "an external one holds \
                        state from outside the run, and dockbench makes a fresh one for every \
                        repetition: remove `external`"
                        .to_string(),
                    "driver" if def[key].as_str().is_some_and(|d| d != driver) => format!(
                        "dockbench makes {section} with the `{driver}` driver: remove `driver`"
                    ),
                    "driver_opts" | "ipam" | "driver_opts_ext" | "enable_ipv6" => {
                        format!("dockbench makes plain {section}: remove `{key}`")
                    }
                    _ => continue,
                };
                errors.push(ComposeError {
                    line: at(&path),
                    key: Some(path),
                    message: format!("dockbench cannot honour `{key}` here: {why}"),
                });
            }
        }
    }
}

fn find<'a>(compose: &'a Compose, name: &str) -> &'a cs::Service {
    compose
        .services
        .iter()
        .find(|(k, _)| k.as_str() == name)
        .map(|(_, s)| s)
        .expect("the plan names services of the file")
}

fn convert(
    compose: &Compose,
    step: &Step,
    dir: &Path,
    measured: bool,
    notes: &mut Vec<String>,
) -> Result<StackService, String> {
    let name = &step.service;
    let s = find(compose, name).clone();
    let build = s.build.clone().map(|b| convert_build(b, dir)).transpose()?;
    let image = match (build, &s.image) {
        (Some(build), _) => Some(ServiceImage::Build(build)),
        (None, Some(image)) => Some(ServiceImage::Image(image.to_string())),
        (None, None) if measured => None,
        (None, None) => return Err(format!("service `{name}` has neither `image` nor `build`")),
    };
    let mut env = BTreeMap::new();
    if let Some(files) = s.env_file.clone() {
        for entry in files.into_list() {
            let path = dir.join(env_file_path(&entry));
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read env_file {}: {e}", path.display()))?;
            let vars = parse_compose_env_file(&text, |n| std::env::var(n).ok())
                .map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))?;
            env.extend(vars);
        }
    }
    let environment = s
        .environment
        .clone()
        .into_map()
        .map_err(|e| format!("environment: {e}"))?;
    for (key, value) in environment {
        // `- KEY` or `KEY:` with no value: from dockbench's own environment, as compose does.
        let value = match value {
            Some(v) => Some(v.to_string()),
            None => std::env::var(key.as_ref() as &str).ok(),
        };
        if let Some(v) = value {
            env.insert(key.to_string(), v);
        }
    }
    let mut tmpfs: Vec<String> = s
        .tmpfs
        .clone()
        .map(|t| {
            t.into_list()
                .into_iter()
                .map(|p| p.as_path().display().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut mounts = Vec::new();
    for volume in compose_volumes::into_short_iter(s.volumes.clone()) {
        match volume {
            Ok(short) => {
                // As written in the compose file, for the note: the absolute path is this
                // machine's only.
                let written = match short.options.as_ref().map(|o| &o.source) {
                    Some(Source::HostPath(p)) => p.as_path().display().to_string(),
                    _ => String::new(),
                };
                match short_mount(short, dir) {
                    StackMount {
                        source: MountSource::Host(_),
                        target,
                        ..
                    } if measured => notes.push(format!(
                        "service `{name}`: the bind mount {written}:{target} was left out: over \
                         the measured image it would measure the host's files, not the image"
                    )),
                    m => mounts.push(m),
                }
            }
            Err(mount::Mount::Tmpfs(t)) => tmpfs.push(t.common.target.as_path().display().to_string()),
            Err(_) => return Err(format!("service `{name}`: a volume of a type other than volume, bind or tmpfs cannot be mounted by dockbench")),
        }
    }
    let networks = match &s.network_config {
        Some(cs::NetworkConfig::Networks(ShortOrLong::Short(list))) => {
            list.iter().map(|n| (n.to_string(), Vec::new())).collect()
        }
        Some(cs::NetworkConfig::Networks(ShortOrLong::Long(map))) => map
            .iter()
            .map(|(n, cfg)| {
                let aliases = cfg
                    .as_ref()
                    .map(|c| c.aliases.iter().map(|a| a.to_string()).collect())
                    .unwrap_or_default();
                (n.to_string(), aliases)
            })
            .collect(),
        _ => vec![("default".to_string(), Vec::new())],
    };
    let health = match &s.healthcheck {
        None => HealthSetting::Image,
        Some(cs::Healthcheck::Disable) => HealthSetting::Disabled,
        Some(cs::Healthcheck::Command(c)) => match &c.test {
            None => HealthSetting::Image,
            // compose_spec keeps the arguments of `["CMD", args...]` (and reads `["NONE"]` as
            // disabled): Docker's stored form needs the "CMD" back.
            Some(cs::healthcheck::Test::Command(argv)) => HealthSetting::Test {
                test: std::iter::once("CMD".to_string())
                    .chain(argv.iter().cloned())
                    .collect(),
                timeout: c.timeout,
            },
            Some(cs::healthcheck::Test::ShellCommand(cmd)) => HealthSetting::Test {
                test: vec!["CMD-SHELL".to_string(), cmd.clone()],
                timeout: c.timeout,
            },
        },
    };
    Ok(StackService {
        name: name.clone(),
        image,
        env,
        command: s.command.clone().map(command_argv).transpose()?,
        entrypoint: s.entrypoint.clone().map(command_argv).transpose()?,
        user: s.user.as_ref().map(|u| u.to_string()),
        working_dir: s
            .working_dir
            .as_ref()
            .map(|p| p.as_path().display().to_string()),
        tmpfs,
        limits: limits(&s),
        health,
        networks,
        mounts,
        waits_for: step
            .waits_for
            .iter()
            .map(|(dep, c)| {
                let c = match c {
                    cs::Condition::ServiceStarted => Condition::Started,
                    cs::Condition::ServiceHealthy => Condition::Healthy,
                    cs::Condition::ServiceCompletedSuccessfully => Condition::CompletedSuccessfully,
                };
                (dep.clone(), c)
            })
            .collect(),
    })
}

fn env_file_path(entry: &ShortOrLong<PathBuf, cs::env_file::Config>) -> PathBuf {
    match entry {
        ShortOrLong::Short(p) => p.clone(),
        ShortOrLong::Long(c) => c.path.clone(),
    }
}

/// A string is split as a shell would split it, as the compose tool does (not run by `sh -c`).
fn command_argv(c: Command) -> Result<Vec<String>, String> {
    match c {
        Command::List(argv) => Ok(argv),
        Command::String(s) => {
            shlex::split(&s).ok_or_else(|| format!("cannot split the command {s:?} into words"))
        }
    }
}

fn convert_build(
    b: ShortOrLong<cs::build::Context, cs::Build>,
    dir: &Path,
) -> Result<ComposeBuild, String> {
    let (context, dockerfile, target, args) = match b {
        ShortOrLong::Short(context) => (Some(context), None, None, BTreeMap::new()),
        ShortOrLong::Long(b) => {
            let dockerfile = match b.dockerfile {
                Some(cs::build::Dockerfile::File(f)) => Some(f.display().to_string()),
                Some(cs::build::Dockerfile::Inline(_)) => {
                    return Err(
                        "an inline `dockerfile_inline` cannot be built by dockbench; \
                                write it to a file and name it in `dockerfile`"
                            .to_string(),
                    )
                }
                None => None,
            };
            let mut args = BTreeMap::new();
            for (k, v) in b.args.into_map().map_err(|e| format!("build.args: {e}"))? {
                if let Some(v) = v {
                    args.insert(k.to_string(), v.to_string());
                }
            }
            (b.context, dockerfile, b.target.map(|t| t.to_string()), args)
        }
    };
    let context = match context {
        None => dir.to_path_buf(),
        Some(c) => match c.as_path() {
            Some(p) => lexical(&dir.join(p)),
            None => {
                return Err(
                    "a build context given as a URL cannot be built by dockbench; \
                                use a local folder"
                        .to_string(),
                )
            }
        },
    };
    Ok(ComposeBuild {
        context,
        dockerfile,
        target,
        args,
    })
}

fn short_mount(v: ShortVolume, dir: &Path) -> StackMount {
    let target = v.container_path.as_path().display().to_string();
    match v.options {
        None => StackMount {
            source: MountSource::Anonymous,
            target,
            read_only: false,
        },
        Some(o) => StackMount {
            source: match o.source {
                Source::Volume(name) => MountSource::Volume(name.to_string()),
                Source::HostPath(p) => MountSource::Host(lexical(&dir.join(p.as_path()))),
            },
            target,
            read_only: o.read_only,
        },
    }
}

/// `a/b/../c` as `a/c`, for messages and bind mounts (the folder may not exist yet).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Docker's units are binary (`512m` is 512 MiB), as the compose tool reads them; the crate's
/// `into_bytes` would take them as decimal.
fn bytes(v: ByteValue) -> u64 {
    match v {
        ByteValue::Bytes(b) => b,
        ByteValue::Kilobytes(k) => k << 10,
        ByteValue::Megabytes(m) => m << 20,
        ByteValue::Gigabytes(g) => g << 30,
    }
}

/// `deploy.resources.limits` over `mem_limit` and `cpus`.
fn limits(s: &cs::Service) -> Limits {
    let deploy = s
        .deploy
        .as_ref()
        .and_then(|d| d.resources.as_ref())
        .and_then(|r| r.limits.as_ref());
    let memory = deploy.and_then(|l| l.memory).or(s.mem_limit);
    let cpus = deploy.and_then(|l| l.cpus).or(s.cpus);
    Limits {
        memory_bytes: memory.map(bytes),
        memory_text: memory.map(|m| m.to_string()),
        cpus: cpus.map(|c| c.into_inner()),
    }
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
