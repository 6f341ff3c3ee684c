//! `scripts/private-engine.sh`, for real: it starts a second dockerd on overlay2 beside the
//! machine's engine, whose containers reach the network, and `stop` takes away everything it added.
//! Needs root and Docker, as CI has (scripts/test.sh runs scripts/setup.sh first).
//! The network target is the machine's own Debian mirror, as `scripts/lib/mirrors.sh` finds it;
//! that lookup (apt's source formats, its order, the overrides) is tested here too, on sample
//! files, without root.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::engine::{root, run, show, stdout_of, TestEngine};

/// `bash scripts/lib/mirrors.sh ARGS...` as the machine has it (overrides in the environment apply).
fn mirrors(args: &[&str]) -> Output {
    let script = root().join("scripts/lib/mirrors.sh");
    run(
        "bash",
        &[&[script.to_str().unwrap()][..], args].concat(),
        &[],
    )
}

/// `bash scripts/lib/mirrors.sh ARGS...` with none of the caller's overrides, plus `envs`.
fn mirrors_with(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let script = root().join("scripts/lib/mirrors.sh");
    let mut command = Command::new("bash");
    command.arg(script).args(args);
    for name in [
        "DOCKBENCH_DEBIAN_MIRROR",
        "DOCKBENCH_DEBIAN_SECURITY_MIRROR",
        "DOCKBENCH_PIP_INDEX_URL",
        "PIP_INDEX_URL",
        "PIP_CONFIG_FILE",
        "APT_CONFIG",
    ] {
        command.env_remove(name);
    }
    command.envs(envs.iter().copied()).output().unwrap()
}

fn uplink_mtu() -> String {
    let routes = stdout_of(&run("ip", &["-o", "route", "show", "default"], &[]));
    let dev = routes
        .split_whitespace()
        .skip_while(|w| *w != "dev")
        .nth(1)
        .expect("a default route")
        .to_string();
    fs::read_to_string(format!("/sys/class/net/{dev}/mtu"))
        .unwrap()
        .trim()
        .to_string()
}

fn iptables_rules_tagged(name: &str) -> Vec<String> {
    let tag = format!("dockbench private engine {name}");
    let mut tagged = Vec::new();
    for table in ["nat", "filter"] {
        let rules = stdout_of(&run("iptables", &["-t", table, "-S"], &[]));
        tagged.extend(rules.lines().filter(|l| l.contains(&tag)).map(String::from));
    }
    tagged
}

fn exists(path: impl AsRef<Path>) -> bool {
    path.as_ref().exists()
}

/// The machine's network interfaces but containers' veths, which come and go with them.
fn interfaces() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("veth"))
        .collect();
    names.sort();
    names
}

#[test]
fn private_engine_runs_overlay2_beside_the_machines_engine_and_stops_cleanly() {
    let machine_driver = stdout_of(&run("docker", &["info", "-f", "{{.Driver}}"], &[]));
    // A dockerd started with `--bridge none` deletes docker0, the machine engine's: seen here.
    let machine_interfaces = interfaces();
    let engine = TestEngine::new("test", "172.31.251.1/24");

    let started = engine.script("start");
    assert!(started.status.success(), "{}", show(&started));
    assert_eq!(
        stdout_of(&started),
        format!("export DOCKER_HOST={}", engine.host()),
        "{}",
        show(&started)
    );

    let info = engine.docker(&["info", "-f", "{{.Driver}} {{.DockerRootDir}}"]);
    assert_eq!(
        stdout_of(&info),
        format!("overlay2 {}", engine.data_root().display()),
        "{}",
        show(&info)
    );
    // The bridge takes the MTU of the way out: a larger one stalls downloads inside builds.
    let bridge_mtu = fs::read_to_string(format!("/sys/class/net/{}/mtu", engine.bridge)).unwrap();
    assert_eq!(bridge_mtu.trim(), uplink_mtu());
    // And a MAC of its own (assign type 3: set by hand), so it does not change as build steps'
    // containers join and leave it, which cut running steps off the network for tens of seconds.
    let sys = format!("/sys/class/net/{}", engine.bridge);
    assert_eq!(
        fs::read_to_string(format!("{sys}/addr_assign_type"))
            .unwrap()
            .trim(),
        "3"
    );
    assert_eq!(
        fs::read_to_string(format!("{sys}/address")).unwrap().trim(),
        "02:42:ac:1f:fb:01"
    );
    assert_eq!(iptables_rules_tagged(&engine.name).len(), 3);

    // A container on it reaches the machine's Debian mirror through our NAT rule (builds need
    // the network).
    let mirror = mirrors(&["debian-mirror"]);
    assert!(mirror.status.success(), "{}", show(&mirror));
    let suite = stdout_of(&mirrors(&["debian-suite"]));
    let release = format!("{}/dists/{suite}/Release", stdout_of(&mirror));
    let save = Command::new("sh")
        .args([
            "-c",
            &format!(
                "docker save dockbench/busybox:latest | docker -H {} load",
                engine.host()
            ),
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert!(save.status.success(), "{}", show(&save));
    let fetched = engine.docker(&[
        "run",
        "--rm",
        "--label",
        "dockbench=1",
        "dockbench/busybox:latest",
        "wget",
        "-q",
        "-O",
        "/dev/null",
        &release,
    ]);
    assert!(fetched.status.success(), "{release}: {}", show(&fetched));

    // A second start finds it running and says the same.
    let again = engine.script("start");
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(stdout_of(&again), stdout_of(&started));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already running"));

    let stopped = engine.script("stop");
    assert!(stopped.status.success(), "{}", show(&stopped));
    assert!(!engine.docker(&["info"]).status.success());
    assert!(!exists(format!("/sys/class/net/{}", engine.bridge)));
    assert_eq!(iptables_rules_tagged(&engine.name), Vec::<String>::new());
    let status = engine.script("status");
    assert!(!status.status.success(), "{}", show(&status));
    // Images outlive a stop.
    assert!(exists(engine.data_root().join("image/overlay2")));

    // The machine's engine was not touched, nor its network.
    assert_eq!(interfaces(), machine_interfaces);
    assert_eq!(
        stdout_of(&run("docker", &["info", "-f", "{{.Driver}}"], &[])),
        machine_driver
    );
}

const ONE_LINE: &str = "\
# deb http://commented.example/debian bookworm main
deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1 20240210-11:28]/ bookworm contrib main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://one.example/debian/ bookworm main contrib # a comment
deb-src http://one.example/debian bookworm main
   deb [ trusted=yes ]   http://two.example/debian\tbookworm-updates main\r
#deb http://off.example/debian bookworm main
deb file:/srv/flat ./
";

const DEB822: &str = "\
# The machine's mirrors
Types: deb deb-src
URIs: http://four.example/debian
 http://five.example/debian/
Suites: bookworm bookworm-updates
Components: main non-free-firmware
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NlmOm9
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: cdrom:[Debian GNU/Linux 12]/
Suites: bookworm
Components: main

Enabled: no
Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
# a comment inside a paragraph does not end it
types: deb
uris: http://sec.example/debian-security
suites: bookworm-security
components: main
";

#[test]
fn mirrors_parse_reads_one_line_and_deb822_sources_skipping_comments_cdroms_and_disabled_entries() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("sources.list");
    let sources = dir.path().join("debian.sources");
    fs::write(&list, ONE_LINE).unwrap();
    fs::write(&sources, DEB822).unwrap();

    let parsed = mirrors_with(&["parse", list.to_str().unwrap()], &[]);
    assert!(parsed.status.success(), "{}", show(&parsed));
    assert_eq!(
        stdout_of(&parsed),
        "\
deb http://one.example/debian bookworm main contrib
deb-src http://one.example/debian bookworm main
deb http://two.example/debian bookworm-updates main
deb file:/srv/flat ./"
    );

    // deb822: every type x URI x suite; the paragraph after `Enabled: no` goes with it (a
    // comment line ends no paragraph), so sec.example is off too.
    let parsed = mirrors_with(&["parse", sources.to_str().unwrap()], &[]);
    assert!(parsed.status.success(), "{}", show(&parsed));
    let four = "http://four.example/debian";
    let five = "http://five.example/debian";
    let c = "main non-free-firmware";
    let mut want = Vec::new();
    for t in ["deb", "deb-src"] {
        for uri in [four, five] {
            for suite in ["bookworm", "bookworm-updates"] {
                want.push(format!("{t} {uri} {suite} {c}"));
            }
        }
    }
    assert_eq!(stdout_of(&parsed), want.join("\n"));

    // The same deb822 text with its last paragraph apart is read.
    let apart = DEB822.replace(
        "# a comment inside a paragraph does not end it\n",
        "\n# a paragraph of its own\n",
    );
    fs::write(&sources, apart).unwrap();
    let parsed = stdout_of(&mirrors_with(&["parse", sources.to_str().unwrap()], &[]));
    assert_eq!(
        parsed.lines().last(),
        Some("deb http://sec.example/debian-security bookworm-security main")
    );
    assert!(
        !parsed.contains("off.example") && !parsed.contains("cdrom"),
        "{parsed}"
    );
}

/// An apt configuration of its own (APT_CONFIG) whose sources are `list` and the files in `parts`.
fn apt_config(dir: &Path, list: &str, parts: &[(&str, &str)]) -> String {
    let parts_dir = dir.join("sources.list.d");
    fs::create_dir_all(&parts_dir).unwrap();
    fs::write(dir.join("sources.list"), list).unwrap();
    for (name, text) in parts {
        fs::write(parts_dir.join(name), text).unwrap();
    }
    let config = dir.join("apt.conf");
    fs::write(
        &config,
        format!(
            "Dir::Etc::sourcelist \"{}\";\nDir::Etc::sourceparts \"{}\";\n",
            dir.join("sources.list").display(),
            parts_dir.display()
        ),
    )
    .unwrap();
    config.to_str().unwrap().to_string()
}

#[test]
fn mirrors_find_the_debian_archive_in_apt_order_and_env_overrides_win() {
    let dir = tempfile::tempdir().unwrap();
    let mirror_list = dir.path().join("debian.mirrors");
    fs::write(
        &mirror_list,
        "# mirrors, best first\nhttp://listed.example/debian/\tpriority:1\nhttp://second.example/debian\n",
    )
    .unwrap();
    let config = apt_config(
        dir.path(),
        // the cdrom, another release, and an entry without `main` do not count
        "deb cdrom:[Debian 12]/ bookworm main\n\
         deb http://other.example/debian trixie main\n\
         deb http://nomain.example/debian bookworm contrib\n",
        &[
            // apt ignores names other than *.list and *.sources
            ("05-ignored.list.disabled", "deb http://ignored.example/debian bookworm main\n"),
            (
                "10-debian.sources",
                &format!(
                    "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n\n\
                     Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n\n\
                     Types: deb\nURIs: mirror+file:{}\nSuites: bookworm bookworm-updates\nComponents: main\n",
                    mirror_list.display()
                ),
            ),
            ("20-security.list", "deb http://sec.example/debian-security bookworm-security main\n"),
            ("30-late.list", "deb http://late.example/debian bookworm main\n"),
        ],
    );
    let apt = ("APT_CONFIG", config.as_str());

    let ask = |what: &str, envs: &[(&str, &str)]| {
        let out = mirrors_with(&[what], &[&[apt][..], envs].concat());
        assert!(out.status.success(), "{what}: {}", show(&out));
        stdout_of(&out)
    };
    assert_eq!(ask("debian-mirror", &[]), "http://listed.example/debian");
    assert_eq!(
        ask("debian-security-mirror", &[]),
        "http://sec.example/debian-security"
    );
    let shown = ask("show", &[]);
    assert!(
        shown.contains("10-debian.sources") && shown.contains("20-security.list"),
        "{shown}"
    );
    assert!(!shown.contains("05-ignored"), "{shown}");

    // DOCKBENCH_DEBIAN_MIRROR wins, and its sibling is the security archive unless that is set.
    let env = ("DOCKBENCH_DEBIAN_MIRROR", "http://env.example/debian/");
    assert_eq!(ask("debian-mirror", &[env]), "http://env.example/debian");
    assert_eq!(
        ask("debian-security-mirror", &[env]),
        "http://env.example/debian-security"
    );
    let sec = (
        "DOCKBENCH_DEBIAN_SECURITY_MIRROR",
        "http://envsec.example/ds",
    );
    assert_eq!(
        ask("debian-security-mirror", &[env, sec]),
        "http://envsec.example/ds"
    );
    // A mirror whose security sibling cannot be told asks for the variable.
    let odd = mirrors_with(
        &["debian-security-mirror"],
        &[
            apt,
            ("DOCKBENCH_DEBIAN_MIRROR", "http://odd.example/archive"),
        ],
    );
    assert!(!odd.status.success(), "{}", show(&odd));
    assert!(String::from_utf8_lossy(&odd.stderr).contains("DOCKBENCH_DEBIAN_SECURITY_MIRROR"));

    // No Debian entry at all (as on CI's Ubuntu): debootstrap's own default, or a clear error.
    let empty = dir.path().join("empty");
    let config = apt_config(&empty, "deb http://ubuntu.example/ubuntu noble main\n", &[]);
    let out = mirrors_with(&["show"], &[("APT_CONFIG", config.as_str())]);
    if run("sh", &["-c", "command -v debootstrap"], &[])
        .status
        .success()
    {
        assert!(out.status.success(), "{}", show(&out));
        let text = stdout_of(&out);
        assert!(text.contains("(from debootstrap's default)"), "{text}");
        assert!(!text.contains("ubuntu.example"), "{text}");
    } else {
        assert!(!out.status.success(), "{}", show(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("set DOCKBENCH_DEBIAN_MIRROR"));
    }
}

#[test]
fn mirrors_take_pips_index_from_its_configuration_or_pass_none() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("pip.conf");
    let ask = |envs: &[(&str, &str)]| {
        let out = mirrors_with(&["pip-index"], envs);
        assert!(out.status.success(), "{}", show(&out));
        stdout_of(&out)
    };
    let file = ("PIP_CONFIG_FILE", conf.to_str().unwrap());

    // pip reads no configuration file when PIP_CONFIG_FILE is the null device: no index.
    assert_eq!(ask(&[("PIP_CONFIG_FILE", "/dev/null")]), "");
    fs::write(
        &conf,
        "[global]\nindex-url = http://global.example/simple\n",
    )
    .unwrap();
    assert_eq!(ask(&[file]), "http://global.example/simple");
    fs::write(
        &conf,
        "[global]\nindex-url = http://global.example/simple\n[install]\nindex-url = http://install.example/simple\n",
    )
    .unwrap();
    assert_eq!(ask(&[file]), "http://install.example/simple");
    let env = ("PIP_INDEX_URL", "http://env.example/simple");
    assert_eq!(ask(&[file, env]), "http://env.example/simple");
    let ours = ("DOCKBENCH_PIP_INDEX_URL", "http://ours.example/simple");
    assert_eq!(ask(&[file, env, ours]), "http://ours.example/simple");
}
