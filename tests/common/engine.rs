//! A private Docker engine of a test's own (`scripts/private-engine.sh` under test names), so
//! that a test can kill, restart or fill an engine without touching the machine's; and the TLS
//! certificates, made with openssl, that let a test reach one as a remote engine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use super::{root, show};

/// Runs `program` with DOCKER_HOST unset (the machine's engine) plus `envs`.
pub fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("DOCKER_HOST")
        .envs(envs.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

pub fn stdout_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A private engine under test names of its own, so that it never meets an engineer's.
pub struct TestEngine {
    pub envs: Vec<(&'static str, String)>,
    pub name: String,
    pub bridge: String,
}

impl TestEngine {
    /// `tag` (a few letters) and `address` (`172.31.N.1/24`) keep test files' engines apart.
    pub fn new(tag: &str, address: &str) -> Self {
        let id = std::process::id() % 100_000;
        let name = format!("dockbench-{tag}-engine-{id}");
        let bridge = format!("db{tag}{id}");
        assert!(bridge.len() <= 15, "bridge name {bridge} is too long");
        TestEngine {
            envs: vec![
                ("DOCKBENCH_ENGINE_NAME", name.clone()),
                ("DOCKBENCH_ENGINE_BRIDGE", bridge.clone()),
                ("DOCKBENCH_ENGINE_ADDRESS", address.to_string()),
            ],
            name,
            bridge,
        }
    }

    /// Makes `start` also listen on `tcp://127.0.0.1:port`, TLS only, with dockerd's
    /// `--tlscacert`, `--tlscert` and `--tlskey` from `server_dir` (see `TestCa::server`).
    pub fn listen_tls(&mut self, port: u16, server_dir: &Path) {
        self.envs
            .push(("DOCKBENCH_ENGINE_TCP", format!("127.0.0.1:{port}")));
        self.envs.push((
            "DOCKBENCH_ENGINE_TLS_DIR",
            server_dir.to_string_lossy().into_owned(),
        ));
    }

    /// `tcp://127.0.0.1:PORT` of an engine that `listen_tls` made listen on TCP.
    pub fn tcp_host(&self) -> Option<String> {
        self.envs
            .iter()
            .find(|(k, _)| *k == "DOCKBENCH_ENGINE_TCP")
            .map(|(_, address)| format!("tcp://{address}"))
    }

    pub fn script(&self, arg: &str) -> Output {
        let envs: Vec<(&str, &str)> = self.envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let script = root().join("scripts/private-engine.sh");
        run("bash", &[script.to_str().unwrap(), arg], &envs)
    }

    pub fn host(&self) -> String {
        format!("unix:///run/{}/docker.sock", self.name)
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        let host = self.host();
        run("docker", &[&["-H", host.as_str()][..], args].concat(), &[])
    }

    pub fn data_root(&self) -> PathBuf {
        PathBuf::from(format!("/var/lib/{}", self.name))
    }

    /// The last warnings and errors of the engine's log, for a failure message.
    pub fn log_tail(&self) -> String {
        let log = fs::read_to_string(format!("/var/log/{}.log", self.name)).unwrap_or_default();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("level=info") && !l.contains("level=debug"))
            .collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// The engine's dockerd, while it runs.
    pub fn dockerd_pid(&self) -> Option<u32> {
        fs::read_to_string(format!("/run/{}/dockerd.pid", self.name))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Copies `image` from the machine's engine into this one (no registry here).
    pub fn load_from_machine(&self, image: &str) {
        let tar = std::env::temp_dir().join(format!("{}-load.tar", self.name));
        let saved = run("docker", &["save", "-o", tar.to_str().unwrap(), image], &[]);
        assert!(saved.status.success(), "{}", show(&saved));
        let loaded = self.docker(&["load", "-i", tar.to_str().unwrap()]);
        let _ = fs::remove_file(&tar);
        assert!(loaded.status.success(), "{}", show(&loaded));
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        // Even when an assertion failed: no engine, bridge or rule of a test is left behind.
        let _ = self.script("stop");
        let _ = fs::remove_dir_all(self.data_root());
        let _ = fs::remove_dir_all(format!("/run/{}", self.name));
        let _ = fs::remove_file(format!("/var/log/{}.log", self.name));
    }
}

/// A free TCP port on 127.0.0.1 (free when asked; nothing holds it afterwards).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A certificate authority of a test's own: `NAME.pem` and `NAME-key.pem` in a folder, and the
/// certificates it signs there (P-256 keys, valid for two days).
pub struct TestCa {
    pub dir: PathBuf,
    pub name: String,
}

impl TestCa {
    pub fn new(dir: &Path, name: &str) -> TestCa {
        let ca = TestCa {
            dir: dir.to_path_buf(),
            name: name.to_string(),
        };
        let subject = format!("/CN=dockbench test CA {name}");
        ca.openssl(&[
            "req",
            "-x509",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &subject,
            "-keyout",
            &format!("{name}-key.pem"),
            "-out",
            &format!("{name}.pem"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        ca
    }

    pub fn pem(&self) -> PathBuf {
        self.dir.join(format!("{}.pem", self.name))
    }

    /// A folder for dockerd (`DOCKBENCH_ENGINE_TLS_DIR`): `cert.pem` and `key.pem`, made out
    /// to IP 127.0.0.1 for serverAuth and signed by this CA, and `ca.pem`, this CA again: the
    /// clients it accepts are the ones this CA signed.
    pub fn server(&self, folder: &str) -> PathBuf {
        self.sign(folder, "serverAuth", Some("IP:127.0.0.1"), self)
    }

    /// A `DOCKER_CERT_PATH`: `cert.pem` and `key.pem` for clientAuth, signed by this CA, and
    /// `ca.pem` of `trusts`, the CA the client checks the engine's certificate against.
    pub fn client(&self, folder: &str, trusts: &TestCa) -> PathBuf {
        self.sign(folder, "clientAuth", None, trusts)
    }

    fn sign(&self, folder: &str, usage: &str, san: Option<&str>, trusts: &TestCa) -> PathBuf {
        let out = self.dir.join(folder);
        fs::create_dir_all(&out).unwrap();
        let mut extensions = format!("extendedKeyUsage={usage}\n");
        if let Some(san) = san {
            extensions.push_str(&format!("subjectAltName={san}\n"));
        }
        let ext = out.join("extensions.cnf");
        fs::write(&ext, extensions).unwrap();
        let file = |name: &str| out.join(name).to_string_lossy().into_owned();
        self.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN={folder}"),
            "-keyout",
            &file("key.pem"),
            "-out",
            &file("req.csr"),
        ]);
        // Serials need only differ between a CA's certificates.
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let serial = SERIAL
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_string();
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &file("req.csr"),
            "-CA",
            &format!("{}.pem", self.name),
            "-CAkey",
            &format!("{}-key.pem", self.name),
            "-set_serial",
            &serial,
            "-days",
            "2",
            "-extfile",
            &file("extensions.cnf"),
            "-out",
            &file("cert.pem"),
        ]);
        fs::copy(trusts.pem(), out.join("ca.pem")).unwrap();
        out
    }

    fn openssl(&self, args: &[&str]) {
        let made = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("openssl");
        assert!(made.status.success(), "openssl {args:?}: {}", show(&made));
    }
}
