//! What else used the machine's CPU during a timed phase: a busy neighbour (a compile, another
//! benchmark, a CI job on the same runner) slows a build or a start-up, and its sample then
//! measures the neighbour as much as the Dockerfile.
//!
//! Read from /proc, so only for an engine on this machine: between two snapshots, the CPU time
//! of every process that is neither the engine's (its daemons, shims, builders, the measured
//! containers and builds below them) nor dockbench's own, as a share of the machine's capacity
//! over that time (all CPUs). Each process counts its own time and that of its children it
//! has waited for (`cutime`/`cstime`), so a `make -j` whose compilers come and go is counted
//! through `make`; the engine's processes are left out with all their descendants, so a build
//! step never counts as a neighbour. A process that starts and ends between the snapshots with
//! no parent outside the engine to wait for it is missed: neighbours worth flagging last.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Process names of the engines and what they start: Docker (dockerd, containerd and its shims,
/// BuildKit, runc, the fuse-overlayfs storage helper) and Podman (its API service, conmon,
/// crun, catatonit, the network helpers). Their descendants are the measured builds and
/// containers.
pub const ENGINE_PROCESSES: [&str; 16] = [
    "dockerd",
    "containerd",
    "containerd-shim",
    "containerd-shim-runc-v2",
    "buildkitd",
    "runc",
    "docker-proxy",
    "fuse-overlayfs",
    "podman",
    "conmon",
    "crun",
    "catatonit",
    "slirp4netns",
    "netavark",
    "aardvark-dns",
    "dnsmasq",
];

/// Defined beside the results it judges.
pub use crate::results::host::DISTURBED_SHARE;

/// One process as /proc/PID/stat shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessTimes {
    pub pid: u32,
    pub ppid: u32,
    pub name: String,
    /// utime + stime + cutime + cstime, in clock ticks.
    pub ticks: u64,
    /// When it started, in clock ticks after boot: a pid reused by a later process is told
    /// by it (a name is not enough: a kernel worker's name changes with its work queue).
    pub started: u64,
}

/// `/proc/PID/stat`: `pid (name) state ppid … utime stime cutime cstime …`. The name may hold
/// spaces and parentheses, so the fields are read after its last `)`.
pub fn parse_pid_stat(text: &str) -> Option<ProcessTimes> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let name = text[open + 1..close].to_string();
    // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17) …
    // starttime(22).
    let fields: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<i64>().ok());
    let ticks = [14, 15, 16, 17]
        .iter()
        .map(|&n| field(n).map(|v| v.max(0) as u64))
        .sum::<Option<u64>>()?;
    Some(ProcessTimes {
        pid,
        ppid: field(4)? as u32,
        name,
        ticks,
        started: field(22)?.max(0) as u64,
    })
}

/// The whole machine's CPU time from `/proc/stat`'s `cpu` line, in clock ticks: all of it, and
/// the share not idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MachineTicks {
    pub total: u64,
    pub busy: u64,
}

pub fn parse_proc_stat(text: &str) -> Option<MachineTicks> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
    // in user and nice, so the first eight make the total.
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some(MachineTicks {
        total,
        busy: total.saturating_sub(idle),
    })
}

/// The engine's processes and their descendants, dockbench's own (`own_pid`) with its
/// children, and the kernel's threads (kthreadd, pid 2, and its children): never neighbours.
/// The kernel's workers write back and reclaim for whoever made the work, the measured build
/// first of all, so their time cannot be booked to a neighbour.
pub fn excluded(processes: &[ProcessTimes], own_pid: u32) -> BTreeSet<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for p in processes {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut stack: Vec<u32> = processes
        .iter()
        .filter(|p| p.pid == own_pid || p.pid == KTHREADD || is_engine_process(&p.name))
        .map(|p| p.pid)
        .collect();
    let mut out = BTreeSet::new();
    while let Some(pid) = stack.pop() {
        if out.insert(pid) {
            stack.extend(children.get(&pid).into_iter().flatten());
        }
    }
    out
}

/// The parent of every kernel thread.
const KTHREADD: u32 = 2;

fn is_engine_process(name: &str) -> bool {
    // /proc cuts names at 15 characters: `containerd-shim-runc-v2` reads `containerd-shim`.
    ENGINE_PROCESSES
        .iter()
        .any(|engine| *engine == name || (name.len() == 15 && engine.starts_with(name)))
}

/// The machine and its processes at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub machine: MachineTicks,
    pub processes: Vec<ProcessTimes>,
    /// The 1-minute load average.
    pub load_1m: Option<f64>,
}

impl Snapshot {
    /// Reads `proc_root` (`/proc`). `None` when it cannot be read (not Linux).
    pub fn read(proc_root: &Path) -> Option<Snapshot> {
        let machine = parse_proc_stat(&std::fs::read_to_string(proc_root.join("stat")).ok()?)?;
        let mut processes = Vec::new();
        for entry in std::fs::read_dir(proc_root).ok()?.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            // A process may end between the listing and the read: skip it.
            if let Ok(text) = std::fs::read_to_string(entry.path().join("stat")) {
                processes.extend(parse_pid_stat(&text));
            }
        }
        let load_1m = std::fs::read_to_string(proc_root.join("loadavg"))
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse().ok());
        Some(Snapshot {
            machine,
            processes,
            load_1m,
        })
    }
}

/// What others used between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disturbance {
    /// Others' CPU time as a share of the machine's capacity over the interval (1.0 = every
    /// CPU busy with them).
    pub other_share: f64,
    /// Others' CPU time, in clock ticks.
    pub other_ticks: u64,
    /// The 1-minute load average at the end.
    pub load_1m: Option<f64>,
}

impl Disturbance {
    pub fn disturbed(&self) -> bool {
        self.other_share > DISTURBED_SHARE
    }
}

/// Others' use of the CPU from `before` to `after`, leaving out the engine's processes and
/// those of `own_pid` (as either snapshot shows them, so a build that ended in between stays
/// the engine's). A process new in `after` counts all its time: it started in between.
pub fn disturbance(before: &Snapshot, after: &Snapshot, own_pid: u32) -> Disturbance {
    let mut skip = excluded(&before.processes, own_pid);
    skip.extend(excluded(&after.processes, own_pid));
    let earlier: BTreeMap<u32, &ProcessTimes> =
        before.processes.iter().map(|p| (p.pid, p)).collect();
    let other_ticks: u64 = after
        .processes
        .iter()
        .filter(|p| !skip.contains(&p.pid))
        .map(|p| match earlier.get(&p.pid) {
            // The same pid for another process (reused) started later: count it new.
            Some(old) if old.started == p.started && old.ticks <= p.ticks => p.ticks - old.ticks,
            _ => p.ticks,
        })
        .sum();
    let capacity = after.machine.total.saturating_sub(before.machine.total);
    let other_share = if capacity == 0 {
        0.0
    } else {
        (other_ticks as f64 / capacity as f64).min(1.0)
    };
    Disturbance {
        other_share,
        other_ticks,
        load_1m: after.load_1m,
    }
}

/// Where snapshots come from: the machine's /proc (`ProcLoad`), or a script in tests.
pub trait LoadSource: Send + Sync {
    fn snapshot(&self) -> Option<Snapshot>;
    /// dockbench's own process: it and its children are never neighbours.
    fn own_pid(&self) -> u32;
}

/// This machine's /proc, seen from this process.
pub struct ProcLoad;

impl LoadSource for ProcLoad {
    fn snapshot(&self) -> Option<Snapshot> {
        Snapshot::read(Path::new("/proc"))
    }

    fn own_pid(&self) -> u32 {
        std::process::id()
    }
}

/// What others did during one timed phase: opened just before its clock starts, closed just
/// after it stops (reading /proc takes milliseconds: never inside the timed span). Without a
/// source (an engine on another machine, whose neighbours /proc does not show) it sees nothing.
pub struct Window<'a> {
    source: Option<&'a dyn LoadSource>,
    before: std::cell::RefCell<Option<Snapshot>>,
    seen: std::cell::Cell<Option<Disturbance>>,
}

impl<'a> Window<'a> {
    pub fn new(source: Option<&'a dyn LoadSource>) -> Window<'a> {
        Window {
            source,
            before: std::cell::RefCell::new(None),
            seen: std::cell::Cell::new(None),
        }
    }

    /// Takes the snapshot before the phase, unless one was taken already (a stack opens the
    /// window at its first service's start, and the measured container's run leaves it).
    pub fn open(&self) {
        let mut before = self.before.borrow_mut();
        if before.is_none() {
            *before = self.source.and_then(|s| s.snapshot());
        }
    }

    /// Takes the snapshot after the phase and keeps what others used in between.
    pub fn close(&self) {
        let (Some(source), Some(before)) = (self.source, self.before.borrow_mut().take()) else {
            return;
        };
        if let Some(after) = source.snapshot() {
            self.seen
                .set(Some(disturbance(&before, &after, source.own_pid())));
        }
    }

    /// What others used while the window was open; `None` if it was not measured.
    pub fn seen(&self) -> Option<Disturbance> {
        self.seen.get()
    }
}

#[cfg(test)]
pub(crate) mod scripted {
    //! A `LoadSource` whose machine runs a neighbour at a share set by the test: each
    //! snapshot advances the machine by 100 ticks of capacity, `share` of them the
    //! neighbour's.
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct ScriptedLoad {
        /// (machine ticks, neighbour ticks), advanced by each snapshot.
        state: Mutex<(u64, u64)>,
        /// The neighbour's share of the capacity from now on.
        pub share: Mutex<f64>,
        pub snapshots: std::sync::atomic::AtomicU32,
    }

    impl LoadSource for ScriptedLoad {
        fn snapshot(&self) -> Option<Snapshot> {
            self.snapshots
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let share = *self.share.lock().unwrap();
            let mut state = self.state.lock().unwrap();
            state.0 += 100;
            state.1 += (share * 100.0).round() as u64;
            Some(Snapshot {
                machine: MachineTicks {
                    total: state.0,
                    busy: state.1,
                },
                processes: vec![
                    ProcessTimes {
                        pid: 1,
                        ppid: 0,
                        name: "hog".into(),
                        ticks: state.1,
                        started: 0,
                    },
                    ProcessTimes {
                        pid: 2,
                        ppid: 0,
                        name: "dockbench".into(),
                        ticks: state.0,
                        started: 0,
                    },
                ],
                load_1m: Some(share * 4.0),
            })
        }

        fn own_pid(&self) -> u32 {
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window measures between its first open and its close; a second open keeps the first
    /// snapshot; without a source it sees nothing.
    #[test]
    fn a_window_measures_from_its_first_open_to_its_close() {
        let load = scripted::ScriptedLoad::default();
        *load.share.lock().unwrap() = 0.5;
        let window = Window::new(Some(&load));
        window.open();
        window.open();
        window.close();
        let seen = window.seen().unwrap();
        assert_eq!(seen.other_ticks, 50);
        assert_eq!(seen.other_share, 0.5);
        assert_eq!(seen.load_1m, Some(2.0));
        assert_eq!(load.snapshots.load(std::sync::atomic::Ordering::Relaxed), 2);
        let nothing = Window::new(None);
        nothing.open();
        nothing.close();
        assert_eq!(nothing.seen(), None);
    }

    fn stat(pid: u32, name: &str, ppid: u32, ticks: [u64; 4]) -> String {
        format!(
            "{pid} ({name}) S {ppid} 1 1 0 -1 4194560 100 0 0 0 {} {} {} {} 20 0 1 0 100 \
             1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0",
            ticks[0], ticks[1], ticks[2], ticks[3]
        )
    }

    fn process(pid: u32, name: &str, ppid: u32, ticks: u64) -> ProcessTimes {
        parse_pid_stat(&stat(pid, name, ppid, [ticks, 0, 0, 0])).unwrap()
    }

    #[test]
    fn reads_a_process_even_with_a_strange_name() {
        let p = parse_pid_stat(&stat(42, "my (odd) name", 7, [100, 20, 3, 4])).unwrap();
        assert_eq!(
            p,
            ProcessTimes {
                pid: 42,
                ppid: 7,
                name: "my (odd) name".into(),
                ticks: 127,
                started: 100,
            }
        );
        assert_eq!(parse_pid_stat("garbage"), None);
    }

    #[test]
    fn reads_the_machine_line() {
        let text = "cpu  100 5 50 800 20 1 2 3 9 9\ncpu0 50 2 25 400 10 0 1 1 0 0\n";
        assert_eq!(
            parse_proc_stat(text),
            Some(MachineTicks {
                total: 981,
                busy: 161
            })
        );
    }

    /// The engine's processes and everything below them, and dockbench's own, are never
    /// neighbours; a 15-character cut name still matches.
    #[test]
    fn the_engine_tree_and_dockbench_are_left_out() {
        let processes = vec![
            process(1, "init", 0, 0),
            process(10, "dockerd", 1, 0),
            process(11, "containerd", 10, 0),
            process(12, "containerd-shim", 1, 0),
            process(13, "sh", 12, 0),
            process(14, "pip", 13, 0),
            process(20, "dockbench", 1, 0),
            process(21, "git", 20, 0),
            process(30, "cc1", 31, 0),
            process(31, "make", 1, 0),
            process(2, "kthreadd", 0, 0),
            process(35, "kworker/u8:1-events_unbound", 2, 0),
        ];
        let out = excluded(&processes, 20);
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            [2, 10, 11, 12, 13, 14, 20, 21, 35]
        );
    }

    /// Known answer: over 1,000 ticks of a 2-CPU machine (2,000 of capacity), a neighbour
    /// burns 600 and a build step 900: others used 30 %, which is disturbed; the build step,
    /// the engine and dockbench count for nothing.
    #[test]
    fn a_neighbour_is_measured_and_the_build_is_not() {
        let before = Snapshot {
            machine: MachineTicks {
                total: 10_000,
                busy: 1_000,
            },
            processes: vec![
                process(10, "dockerd", 1, 50),
                process(12, "containerd-shim", 1, 0),
                process(13, "sh", 12, 100),
                process(20, "dockbench", 1, 30),
                process(31, "make", 1, 1_000),
                process(40, "sshd", 1, 5),
            ],
            load_1m: Some(0.5),
        };
        let after = Snapshot {
            machine: MachineTicks {
                total: 12_000,
                busy: 2_700,
            },
            processes: vec![
                process(10, "dockerd", 1, 80),
                process(12, "containerd-shim", 1, 0),
                process(13, "sh", 12, 1_000),
                process(20, "dockbench", 1, 60),
                process(31, "make", 1, 1_590),
                process(40, "sshd", 1, 6),
                // Started in between: all its ticks count.
                process(50, "yes", 1, 10),
            ],
            load_1m: Some(1.7),
        };
        let d = disturbance(&before, &after, 20);
        assert_eq!(d.other_ticks, 590 + 1 + 10);
        assert!((d.other_share - 601.0 / 2000.0).abs() < 1e-12, "{d:?}");
        assert!(d.disturbed());
        assert_eq!(d.load_1m, Some(1.7));
        // A process renamed in between (a kernel worker names its current queue) is the same
        // process: only its new ticks count. One whose pid was reused counts whole.
        let mut renamed = after.clone();
        renamed.processes[4].name = "make-renamed".into();
        assert_eq!(disturbance(&before, &renamed, 20).other_ticks, 590 + 1 + 10);
        let mut reused = after.clone();
        reused.processes[5].started = 900;
        assert_eq!(disturbance(&before, &reused, 20).other_ticks, 590 + 6 + 10);
        // The same interval with the neighbour quiet is not disturbed.
        let mut quiet = after.clone();
        quiet.processes[4].ticks = 1_000;
        assert!(!disturbance(&before, &quiet, 20).disturbed());
    }

    /// On this machine's real /proc: a busy loop started between two snapshots, as a process
    /// of its own (orphaned, as a neighbour is), shows as a neighbour; our own spinning does
    /// not.
    #[test]
    fn a_real_busy_loop_is_seen() {
        let proc_root = Path::new("/proc");
        let own = std::process::id();
        let before = Snapshot::read(proc_root).expect("Linux /proc");
        // The outer shell prints the loop's pid and exits, so the loop is nobody's child here.
        let started = std::process::Command::new("sh")
            .args([
                "-c",
                "sh -c 'end=$(( $(date +%s) + 3 )); while [ $(date +%s) -lt $end ]; do :; done' \
                 >/dev/null 2>&1 & echo $!",
            ])
            .output()
            .unwrap();
        let hog_pid = String::from_utf8_lossy(&started.stdout).trim().to_string();
        // Our own busy work over the same time: never a neighbour.
        let start = std::time::Instant::now();
        let mut spin = 0u64;
        while start.elapsed() < std::time::Duration::from_millis(1500) {
            spin = spin.wrapping_add(1);
        }
        std::hint::black_box(spin);
        let after = Snapshot::read(proc_root).unwrap();
        let d = disturbance(&before, &after, own);
        let _ = std::process::Command::new("kill").arg(&hog_pid).status();
        // The loop had 1.5 s. Alone it takes a core (150 ticks: 100 per second is Linux's
        // USER_HZ), but on a 2-core machine loaded to 5-22 it got as few as 27 (seen), so the
        // bar is only that it ran at all: 5 ticks, 50 ms. What is checked is where its ticks
        // go. Other processes of the machine count too, so the loop itself is looked for:
        // counted, and not taken for ours.
        let hog_pid: u32 = hog_pid.parse().unwrap();
        let hog = after
            .processes
            .iter()
            .find(|p| p.pid == hog_pid)
            .expect("the loop runs");
        assert!(hog.ticks >= 5, "{hog:?}");
        assert!(!excluded(&after.processes, own).contains(&hog_pid));
        assert!(d.other_ticks >= hog.ticks, "{d:?}");
        let own_ticks = |s: &Snapshot| {
            s.processes
                .iter()
                .find(|p| p.pid == own)
                .map(|p| p.ticks)
                .unwrap()
        };
        assert!(own_ticks(&after) > own_ticks(&before), "we spun too");
    }
}
