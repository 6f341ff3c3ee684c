//! `scripts/private-engine.sh`, for real: it starts a second dockerd on overlay2 beside the
//! machine's engine, whose containers reach the network, and `stop` takes away everything it added.
//! Needs root and Docker, as CI has (scripts/test.sh runs scripts/setup.sh first).

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

use common::engine::{run, show, stdout_of, TestEngine};

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

    // A container on it reaches Debian's mirror through our NAT rule (builds need the network).
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
        "http://deb.debian.org/debian/dists/bookworm/Release",
    ]);
    assert!(fetched.status.success(), "{}", show(&fetched));

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
