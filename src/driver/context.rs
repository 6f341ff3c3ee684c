//! The docker CLI's contexts: which one is chosen (`--context`, `DOCKER_CONTEXT`, the config
//! file's `currentContext`) and the engine it names, read from the CLI's own context store as
//! github.com/docker/cli (`cli/command/cli.go`, `cli/context/store`) lays it out
//! (docs/engines.md, "Remote engines").

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The context that means "no context": `DOCKER_HOST`, else the local socket.
pub const DEFAULT_CONTEXT: &str = "default";

/// A context chosen by name, and what chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub chosen_by: ChosenBy,
}

/// What named the context, for messages and results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChosenBy {
    /// dockbench's `--context`.
    Flag,
    /// The `DOCKER_CONTEXT` variable.
    DockerContext,
    /// `currentContext` in this config file (`docker context use` writes it).
    ConfigFile(PathBuf),
}

impl fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChosenBy::Flag => write!(f, "--context"),
            ChosenBy::DockerContext => write!(f, "DOCKER_CONTEXT"),
            ChosenBy::ConfigFile(path) => write!(f, "current context in {}", path.display()),
        }
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "context {} ({})", self.name, self.chosen_by)
    }
}

/// The engine a context names: its docker endpoint, and its TLS folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEndpoint {
    /// The endpoint's `Host`; empty means the local socket, as for the CLI.
    pub host: String,
    pub skip_tls_verify: bool,
    /// `contexts/tls/<sha256 of the name>/docker`: `ca.pem`, `cert.pem`, `key.pem`.
    pub tls_dir: PathBuf,
    /// At least one of those three files is there: the CLI then speaks TLS.
    pub has_tls_files: bool,
}

/// The CLI's config folder: `DOCKER_CONFIG`, else `~/.docker`; `None` without either.
pub fn config_dir(set: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    set("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| Path::new(&home).join(".docker")))
}

/// The context `DOCKER_CONTEXT` or the config file names, in that order (the caller has already
/// looked at `--context` and `DOCKER_HOST`, which come first); `None` when neither names one.
/// A config file that is there but not JSON is an error, as for the CLI.
pub fn chosen(
    set: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> anyhow::Result<Option<Choice>> {
    if let Some(name) = set("DOCKER_CONTEXT") {
        return Ok(Some(Choice {
            name,
            chosen_by: ChosenBy::DockerContext,
        }));
    }
    let Some(file) = config_dir.map(|dir| dir.join("config.json")) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow!("cannot read {}: {e}", file.display())),
    };
    #[derive(Deserialize)]
    struct ConfigFile {
        #[serde(rename = "currentContext", default)]
        current_context: String,
    }
    let config: ConfigFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a docker CLI config file", file.display()))?;
    Ok((!config.current_context.is_empty()).then_some(Choice {
        name: config.current_context,
        chosen_by: ChosenBy::ConfigFile(file),
    }))
}

/// The folder name the CLI's store gives a context: the sha256 of its name, in hex (so that any
/// name makes a valid path).
pub fn dir_name(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads the chosen context's docker endpoint from the store under `config_dir`. A context that
/// is not there is an error naming it, what chose it and the file looked for.
pub fn load(config_dir: Option<&Path>, choice: &Choice) -> anyhow::Result<ContextEndpoint> {
    let Some(config_dir) = config_dir else {
        return Err(anyhow!(
            "{choice} cannot be read: neither DOCKER_CONFIG nor HOME is set, so there is no \
             docker config folder"
        ));
    };
    let dir = dir_name(&choice.name);
    let meta_path = config_dir
        .join("contexts/meta")
        .join(&dir)
        .join("meta.json");
    let text = match std::fs::read_to_string(&meta_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(anyhow!(
                "{choice} does not exist: there is no {}\nhint: `docker context ls` lists the \
                 contexts",
                meta_path.display()
            ))
        }
        Err(e) => {
            return Err(anyhow!(
                "{choice}: cannot read {}: {e}",
                meta_path.display()
            ))
        }
    };
    let meta: Meta = serde_json::from_str(&text).with_context(|| {
        format!(
            "{choice}: {} is not a context's meta.json",
            meta_path.display()
        )
    })?;
    let Some(docker) = meta.endpoints.docker else {
        return Err(anyhow!(
            "{choice} has no docker endpoint (no Endpoints.docker in {})",
            meta_path.display()
        ));
    };
    let tls_dir = config_dir.join("contexts/tls").join(&dir).join("docker");
    let has_tls_files = ["ca.pem", "cert.pem", "key.pem"]
        .iter()
        .any(|file| tls_dir.join(file).exists());
    Ok(ContextEndpoint {
        host: docker.host,
        skip_tls_verify: docker.skip_tls_verify,
        tls_dir,
        has_tls_files,
    })
}

/// A context's `meta.json`, the parts dockbench reads.
#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "Endpoints", default)]
    endpoints: Endpoints,
}

#[derive(Deserialize, Default)]
struct Endpoints {
    docker: Option<DockerEndpoint>,
}

#[derive(Deserialize)]
struct DockerEndpoint {
    #[serde(rename = "Host", default)]
    host: String,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::driver::endpoint::{Endpoint, Source};

    /// A docker config folder, as `docker context create` and `docker context use` leave it.
    struct Store(tempfile::TempDir);

    impl Store {
        fn new() -> Store {
            Store(tempfile::tempdir().unwrap())
        }

        fn dir(&self) -> &Path {
            self.0.path()
        }

        fn add(&self, name: &str, host: &str, skip_tls_verify: bool) -> &Store {
            let meta = self.dir().join("contexts/meta").join(dir_name(name));
            std::fs::create_dir_all(&meta).unwrap();
            let json = serde_json::json!({
                "Name": name,
                "Metadata": {"Description": "a test context"},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
            });
            std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
            self
        }

        fn add_tls_files(&self, name: &str) -> PathBuf {
            let tls = self
                .dir()
                .join("contexts/tls")
                .join(dir_name(name))
                .join("docker");
            std::fs::create_dir_all(&tls).unwrap();
            for file in ["ca.pem", "cert.pem", "key.pem"] {
                std::fs::write(tls.join(file), "").unwrap();
            }
            tls
        }

        fn use_context(&self, name: &str) -> &Store {
            let config = serde_json::json!({"auths": {}, "currentContext": name});
            std::fs::write(self.config_file(), config.to_string()).unwrap();
            self
        }

        fn config_file(&self) -> PathBuf {
            self.dir().join("config.json")
        }

        /// The endpoint for these variables, with DOCKER_CONFIG set to this store.
        fn resolve(&self, vars: &[(&str, &str)], flag: Option<&str>) -> anyhow::Result<Endpoint> {
            let mut all: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            all.entry("DOCKER_CONFIG".into())
                .or_insert(self.dir().display().to_string());
            Endpoint::resolve(&|name| all.get(name).cloned(), flag)
        }
    }

    /// Where each step of the docker CLI's order takes the engine from: `--context`, then
    /// `DOCKER_HOST`, then `DOCKER_CONTEXT`, then the config file's current context, then the
    /// local socket.
    #[test]
    fn the_engine_is_chosen_in_the_docker_clis_order() {
        let store = Store::new();
        store
            .add("colima", "unix:///home/u/.colima/docker.sock", false)
            .add("remote", "tcp://10.0.0.5:2375", false)
            .add("flagged", "tcp://10.0.0.9:2375", false);
        let url_and_source = |vars: &[(&str, &str)], flag: Option<&str>| {
            let e = store.resolve(vars, flag).unwrap();
            (e.url.clone(), e.source.to_string())
        };
        // Nothing chosen: the local socket.
        assert_eq!(
            url_and_source(&[], None),
            (
                "unix:///var/run/docker.sock".into(),
                "default socket".into()
            )
        );
        store.use_context("colima");
        let config = store.config_file().display().to_string();
        assert_eq!(
            url_and_source(&[], None),
            (
                "unix:///home/u/.colima/docker.sock".into(),
                format!("context colima (current context in {config})")
            )
        );
        let docker_context = [("DOCKER_CONTEXT", "remote")];
        assert_eq!(
            url_and_source(&docker_context, None),
            (
                "tcp://10.0.0.5:2375".into(),
                "context remote (DOCKER_CONTEXT)".into()
            )
        );
        let docker_host = [("DOCKER_CONTEXT", "remote"), ("DOCKER_HOST", "tcp://h:1")];
        assert_eq!(
            url_and_source(&docker_host, None),
            ("tcp://h:1".into(), "DOCKER_HOST".into())
        );
        // As `docker --context`: the flag beats DOCKER_HOST.
        assert_eq!(
            url_and_source(&docker_host, Some("flagged")),
            (
                "tcp://10.0.0.9:2375".into(),
                "context flagged (--context)".into()
            )
        );
        // Empty is unset, as for the CLI.
        assert_eq!(
            url_and_source(&[("DOCKER_CONTEXT", ""), ("DOCKER_HOST", "")], Some("")).1,
            format!("context colima (current context in {config})")
        );
        // `default` is DOCKER_HOST or the local socket, whatever chose it.
        store.use_context("default");
        let default = store.resolve(&[], None).unwrap();
        assert_eq!(default.url, "unix:///var/run/docker.sock");
        assert_eq!(default.context_name(), Some("default"));
        let with_host = store.resolve(&[("DOCKER_HOST", "tcp://h:1")], Some("default"));
        assert_eq!(with_host.unwrap().source, Source::DockerHost);
    }

    #[test]
    fn the_config_folder_is_docker_config_else_home() {
        let store = Store::new();
        store
            .add("colima", "unix:///c.sock", false)
            .use_context("colima");
        let home = tempfile::tempdir().unwrap();
        let dot_docker = home.path().join(".docker");
        std::fs::create_dir(&dot_docker).unwrap();
        std::fs::rename(store.dir().join("contexts"), dot_docker.join("contexts")).unwrap();
        std::fs::rename(store.config_file(), dot_docker.join("config.json")).unwrap();
        let home_var = home.path().display().to_string();
        let e = store
            .resolve(&[("DOCKER_CONFIG", ""), ("HOME", &home_var)], None)
            .unwrap();
        assert_eq!(e.url, "unix:///c.sock");
        assert_eq!(
            e.address(),
            format!(
                "unix:///c.sock from context colima (current context in {}/config.json)",
                dot_docker.display()
            )
        );
        // Neither: no contexts, the local socket.
        let none = Endpoint::resolve(&|_| None, None).unwrap();
        assert_eq!(none.source, Source::DefaultSocket(None));
    }

    #[test]
    fn a_missing_context_is_named_with_what_chose_it_and_where_it_was_looked_for() {
        let store = Store::new();
        let meta = store
            .dir()
            .join("contexts/meta")
            .join(dir_name("gone"))
            .join("meta.json");
        let error = |vars: &[(&str, &str)]| store.resolve(vars, None).unwrap_err().to_string();
        assert_eq!(
            error(&[("DOCKER_CONTEXT", "gone")]),
            format!(
                "context gone (DOCKER_CONTEXT) does not exist: there is no {}\nhint: `docker \
                 context ls` lists the contexts",
                meta.display()
            )
        );
        store.use_context("gone");
        assert!(error(&[]).starts_with(&format!(
            "context gone (current context in {}) does not exist: there is no {}",
            store.config_file().display(),
            meta.display()
        )));
        std::fs::write(store.config_file(), "{not json").unwrap();
        assert!(error(&[]).starts_with(&format!(
            "{} is not a docker CLI config file",
            store.config_file().display()
        )));
    }

    #[test]
    fn a_context_with_tls_files_speaks_tls_with_them() {
        let store = Store::new();
        store.add("secure", "tcp://10.0.0.5", false);
        store.add("plain", "tcp://10.0.0.6", false);
        let tls_dir = store.add_tls_files("secure");
        let secure = store
            .resolve(&[("DOCKER_CONTEXT", "secure")], None)
            .unwrap();
        let tls = secure.tls.clone().unwrap();
        assert_eq!(tls.dir, tls_dir);
        assert_eq!(tls.ca(), tls_dir.join("ca.pem"));
        assert_eq!(secure.port, Some(2376));
        // DOCKER_TLS_VERIFY is for DOCKER_HOST; a context has its own files or none.
        let plain = store
            .resolve(
                &[("DOCKER_CONTEXT", "plain"), ("DOCKER_TLS_VERIFY", "1")],
                None,
            )
            .unwrap();
        assert_eq!((plain.tls, plain.port), (None, Some(2375)));
        // A context's TLS failures name the context, not DOCKER_HOST's variables.
        let not_tls = secure.connect_error(&crate::driver::endpoint::tests::from_rustls(
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        ));
        assert!(
            not_tls.ends_with("does not speak TLS on port 2376, but context secure has TLS files"),
            "{not_tls}"
        );
        std::fs::remove_file(tls.key()).unwrap();
        let missing = tls.client_config().unwrap_err().to_string();
        assert!(
            missing.starts_with("the context has TLS files, but "),
            "{missing}"
        );
    }

    #[test]
    fn tls_that_checks_nothing_and_ssh_are_refused_in_words() {
        let store = Store::new();
        store.add("lax", "tcp://10.0.0.5:2376", true);
        store.add("box", "ssh://me@build-box", false);
        store.add("lax-socket", "unix:///run/d.sock", true);
        let lax = store.resolve(&[("DOCKER_CONTEXT", "lax")], None);
        let lax = lax.unwrap_err().to_string();
        assert!(
            lax.starts_with(
                "context lax (DOCKER_CONTEXT) sets SkipTLSVerify: TLS that does not check the \
                 engine's certificate is not supported"
            ),
            "{lax}"
        );
        // Over a socket there is no TLS to skip.
        assert!(store
            .resolve(&[("DOCKER_CONTEXT", "lax-socket")], None)
            .is_ok());
        let ssh = store.resolve(&[("DOCKER_CONTEXT", "box")], None).unwrap();
        let refused = ssh.client().unwrap_err().to_string();
        assert!(
            refused.starts_with(
                "ssh://me@build-box from context box (DOCKER_CONTEXT): dockbench cannot reach \
                 an engine over ssh"
            ),
            "{refused}"
        );
    }

    #[test]
    fn a_contexts_folder_is_the_sha256_of_its_name() {
        // As `printf %s NAME | sha256sum` gives it.
        assert_eq!(
            dir_name("colima"),
            "f24fd3749c1368328e2b149bec149cb6795619f244c5b584e844961215dadd16"
        );
        assert_eq!(
            dir_name("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }
}
