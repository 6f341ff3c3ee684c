//! Leases: how anyone can tell, from the engine alone, whether the run that made a container,
//! image, network or volume is still alive.
//!
//! Every resource a run creates carries `dockbench.lease=<host>/<boot id>/<pid>/<start ticks>`:
//! the machine (host name and the kernel's boot id), the process, and the process's start time
//! in clock ticks since boot (`/proc/<pid>/stat`, field 22), which tells a live run from a
//! later process that got the same pid. A run is alive exactly when that process still exists
//! with that start time on that boot of that host. No heartbeat is needed, so nothing can
//! expire under a live run that is merely slow (a 10-minute build), and nothing outlives a run
//! that was killed (`kill -9`, an OOM kill, a lost CI runner): its process is gone at once.
//!
//! A lease of another host cannot be checked from here: `dockbench clean` leaves those alone
//! and says so. The results folder has its own lock (`ResultsStore`), so that two runs never
//! write one folder.

use std::sync::OnceLock;

/// The label that carries the lease.
pub const LABEL_LEASE: &str = "dockbench.lease";

/// Whether the run behind a lease is alive, as far as this machine can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// Its process is gone (or the machine rebooted since).
    Dead,
    /// Made on another host (or by a dockbench without leases): cannot be checked here.
    Unknown(String),
}

/// The identity of one process on one boot of one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub host: String,
    pub boot_id: String,
    pub pid: u32,
    pub start_ticks: u64,
}

impl Lease {
    pub fn label(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.host, self.boot_id, self.pid, self.start_ticks
        )
    }

    pub fn parse(label: &str) -> Option<Lease> {
        // The host name is everything before the last three fields, so it may hold a `/`.
        let mut parts = label.rsplitn(4, '/');
        let start_ticks = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let boot_id = parts.next()?.to_string();
        let host = parts.next()?.to_string();
        Some(Lease {
            host,
            boot_id,
            pid,
            start_ticks,
        })
    }
}

/// What this machine knows to judge a lease: its host name, its boot id, and the start time of
/// a process by pid (`None` when no such process runs).
pub struct Here<'a> {
    pub host: &'a str,
    pub boot_id: &'a str,
    pub start_ticks_of: &'a dyn Fn(u32) -> Option<u64>,
}

/// Judges the lease label of a resource (`None`: the resource has none).
pub fn liveness(label: Option<&str>, here: &Here) -> Liveness {
    let Some(text) = label else {
        return Liveness::Unknown(
            "it carries no lease (made by a dockbench without leases)".into(),
        );
    };
    let Some(lease) = Lease::parse(text) else {
        return Liveness::Unknown(format!("its lease `{text}` does not parse"));
    };
    if lease.host != here.host {
        return Liveness::Unknown(format!(
            "it belongs to a run on host `{}`, which cannot be checked from here",
            lease.host
        ));
    }
    if lease.boot_id != here.boot_id {
        return Liveness::Dead;
    }
    match (here.start_ticks_of)(lease.pid) {
        Some(ticks) if ticks == lease.start_ticks => Liveness::Alive,
        _ => Liveness::Dead,
    }
}

/// This process's lease, read once.
pub fn this_process() -> &'static Lease {
    static LEASE: OnceLock<Lease> = OnceLock::new();
    LEASE.get_or_init(|| {
        let pid = std::process::id();
        Lease {
            host: host_name(),
            boot_id: boot_id(),
            pid,
            start_ticks: start_ticks_of(pid).unwrap_or(0),
        }
    })
}

/// This machine as `liveness` needs it.
pub fn judge_here(label: Option<&str>) -> Liveness {
    let host = host_name();
    let boot = boot_id();
    let here = Here {
        host: &host,
        boot_id: &boot,
        start_ticks_of: &start_ticks_of,
    };
    liveness(label, &here)
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".into())
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown-boot".into())
}

/// Field 22 of `/proc/<pid>/stat`, the process's start time in clock ticks after boot.
fn start_ticks_of(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_ticks(&stat)
}

/// The command name (field 2) is in parentheses and may hold spaces and `)`: the fields after
/// it are counted from the last `)`.
fn parse_start_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name; field 22 is the 20th.
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here<'a>(f: &'a dyn Fn(u32) -> Option<u64>) -> Here<'a> {
        Here {
            host: "ci-1",
            boot_id: "boot-a",
            start_ticks_of: f,
        }
    }

    #[test]
    fn a_lease_round_trips_through_its_label() {
        let lease = Lease {
            host: "odd/host".into(),
            boot_id: "b".into(),
            pid: 42,
            start_ticks: 7,
        };
        assert_eq!(lease.label(), "odd/host/b/42/7");
        assert_eq!(Lease::parse(&lease.label()), Some(lease));
        assert_eq!(Lease::parse("x/y/notapid/7"), None);
    }

    #[test]
    fn alive_only_while_the_same_process_runs_on_the_same_boot() {
        let running = |pid: u32| (pid == 42).then_some(1000);
        assert_eq!(
            liveness(Some("ci-1/boot-a/42/1000"), &here(&running)),
            Liveness::Alive
        );
        // Same pid, later process: the pid was reused.
        assert_eq!(
            liveness(Some("ci-1/boot-a/42/999"), &here(&running)),
            Liveness::Dead
        );
        assert_eq!(
            liveness(Some("ci-1/boot-a/43/1000"), &here(&running)),
            Liveness::Dead
        );
        // The machine rebooted since: whatever runs now is another process.
        assert_eq!(
            liveness(Some("ci-1/boot-b/42/1000"), &here(&running)),
            Liveness::Dead
        );
        assert!(matches!(
            liveness(Some("ci-2/boot-a/42/1000"), &here(&running)),
            Liveness::Unknown(why) if why.contains("host `ci-2`")
        ));
        assert!(matches!(
            liveness(None, &here(&running)),
            Liveness::Unknown(_)
        ));
    }

    #[test]
    fn start_ticks_are_read_after_the_command_name() {
        let stat = "4242 (tricky ) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 200";
        assert_eq!(parse_start_ticks(stat), Some(987_654));
        // This process is alive, with the lease it hands out.
        let me = this_process();
        assert_eq!(judge_here(Some(&me.label())), Liveness::Alive);
    }
}
