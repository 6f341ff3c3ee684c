//! The build context as fsutil's sender walks it: the entries of the context tar in fsutil's
//! order, with Go's file modes, filtered by what the builder asked for.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

use anyhow::Context;
use bollard::fsutil::types::Stat;

use crate::scenario::dockerignore::{MatchInfo, Matcher};

/// Go's `os.FileMode` bits (io/fs), as fsutil puts them in `Stat.mode`.
pub mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const CHAR_DEVICE: u32 = 1 << 21;
    pub const STICKY: u32 = 1 << 20;
    /// Every type bit: a mode without any is a regular file, the only kind whose data the
    /// receiver may request (fsutil's `fileCanRequestData`).
    pub const TYPE: u32 = DIR | SYMLINK | NAMED_PIPE | 1 << 24 | DEVICE | CHAR_DEVICE | 1 << 19;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A second name for a file earlier in the tar (`Entry::linkname`).
    Hardlink,
    Fifo,
    CharDevice,
    BlockDevice,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Relative, `/`-separated, clean.
    pub path: String,
    pub kind: Kind,
    /// Unix permission bits with setuid, setgid and sticky (0o7777).
    pub unix_mode: u32,
    pub mtime_ns: i64,
    /// A symlink's target as written; a hardlink's first name, relative to the root.
    pub linkname: String,
    pub devmajor: i64,
    pub devminor: i64,
    /// Where a file's bytes are in the tar.
    data: Range<usize>,
}

impl Entry {
    /// The `Stat` fsutil sends for this entry. uid and gid are 0, as the docker CLI and buildx
    /// send the context (their `resetUIDAndGID`): COPY without --chown keeps them.
    pub fn stat(&self) -> Stat {
        let size = match self.kind {
            Kind::File => self.data.len() as i64,
            // Go's Lstat size of a symlink is its target's length.
            Kind::Symlink => self.linkname.len() as i64,
            _ => 0,
        };
        Stat {
            path: self.path.clone(),
            mode: to_go_mode(self.kind, self.unix_mode),
            uid: 0,
            gid: 0,
            size,
            mod_time: self.mtime_ns,
            linkname: self.linkname.clone(),
            devmajor: self.devmajor,
            devminor: self.devminor,
            xattrs: HashMap::new(),
        }
    }

    /// Whether the receiver may ask for this entry's bytes.
    pub fn has_data(&self) -> bool {
        to_go_mode(self.kind, self.unix_mode) & go_mode::TYPE == 0
    }
}

/// Go's `os.FileMode` for a tar entry's type and Unix mode.
pub fn to_go_mode(kind: Kind, unix_mode: u32) -> u32 {
    let mut mode = unix_mode & 0o777;
    for (unix, go) in [
        (0o4000, go_mode::SETUID),
        (0o2000, go_mode::SETGID),
        (0o1000, go_mode::STICKY),
    ] {
        if unix_mode & unix != 0 {
            mode |= go;
        }
    }
    mode | match kind {
        Kind::File | Kind::Hardlink => 0,
        Kind::Dir => go_mode::DIR,
        Kind::Symlink => go_mode::SYMLINK,
        Kind::Fifo => go_mode::NAMED_PIPE,
        Kind::CharDevice => go_mode::DEVICE | go_mode::CHAR_DEVICE,
        Kind::BlockDevice => go_mode::DEVICE,
    }
}

/// fsutil's walk order (its `ComparePath`): names compared byte by byte, component by
/// component, so a folder comes right before its contents (`a`, `a/b`, `a.txt`).
pub fn compare_paths(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// The context's entries, sorted in walk order, and the tar that holds their bytes.
#[derive(Debug, Clone)]
pub struct ContextTree {
    tar: Arc<[u8]>,
    entries: Vec<Entry>,
}

impl ContextTree {
    /// Reads an uncompressed tar as the docker CLI sends a context. Folders that the tar only
    /// implies get an entry of their own (0755), since the receiver needs every parent first.
    pub fn from_tar(tar: Vec<u8>) -> anyhow::Result<ContextTree> {
        let tar: Arc<[u8]> = tar.into();
        let mut by_path: HashMap<String, Entry> = HashMap::new();
        let mut archive = tar::Archive::new(&tar[..]);
        for entry in archive.entries().context("read the context tar")? {
            let entry = entry.context("read the context tar")?;
            if let Some(entry) = read_entry(&entry, &tar)? {
                // A later entry for the same path replaces an earlier one, as on extraction.
                by_path.insert(entry.path.clone(), entry);
            }
        }
        let implied: BTreeSet<String> = by_path
            .keys()
            .flat_map(|p| parents(p).map(str::to_string).collect::<Vec<_>>())
            .filter(|p| !by_path.contains_key(p))
            .collect();
        for path in implied {
            by_path.insert(path.clone(), implied_dir(path));
        }
        let mut entries: Vec<Entry> = by_path.into_values().collect();
        entries.sort_by(|a, b| compare_paths(&a.path, &b.path));
        Ok(ContextTree { tar, entries })
    }

    #[cfg(test)]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn data(&self, entry: &Entry) -> &[u8] {
        &self.tar[entry.data.clone()]
    }

    pub fn find(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| compare_paths(&e.path, path))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// What lies below the folder `dir` (`""`: everything), with paths relative to it: the
    /// docker CLI's `dockerfile` directory is the Dockerfile's folder.
    pub fn subdir(&self, dir: &str) -> ContextTree {
        if dir.is_empty() {
            return self.clone();
        }
        let prefix = format!("{dir}/");
        let entries = self
            .entries
            .iter()
            .filter_map(|e| {
                let path = e.path.strip_prefix(&prefix)?;
                let mut e = e.clone();
                e.path = path.to_string();
                if e.kind == Kind::Hardlink {
                    e.linkname = e
                        .linkname
                        .strip_prefix(&prefix)
                        .unwrap_or(&e.linkname)
                        .to_string();
                }
                Some(e)
            })
            .collect();
        ContextTree {
            tar: self.tar.clone(),
            entries,
        }
    }

    /// The entries fsutil's filtered walk sends, in order: those the filter keeps, each
    /// preceded by any parent folder not yet sent (a folder the filter drops is still sent when
    /// something below it is kept).
    pub fn walk(&self, filter: &Filter) -> Vec<&Entry> {
        let mut out = Vec::new();
        // The folders above the current entry: each, whether it was sent, and what it matched.
        let mut open: Vec<(&Entry, bool, Matched)> = Vec::new();
        for entry in &self.entries {
            while let Some((dir, _, _)) = open.last() {
                if entry.path.starts_with(&format!("{}/", dir.path)) {
                    break;
                }
                open.pop();
            }
            let (keep, matched) = filter.keeps(&entry.path, open.last().map(|(_, _, m)| m));
            if keep {
                for (dir, sent, _) in open.iter_mut().filter(|(_, sent, _)| !*sent) {
                    out.push(*dir);
                    *sent = true;
                }
                out.push(entry);
            }
            if entry.kind == Kind::Dir {
                open.push((entry, keep, matched));
            }
        }
        out
    }
}

fn read_entry<R: std::io::Read>(
    entry: &tar::Entry<'_, R>,
    tar: &[u8],
) -> anyhow::Result<Option<Entry>> {
    use tar::EntryType as T;
    let header = entry.header();
    let kind = match header.entry_type() {
        T::Regular | T::Continuous => Kind::File,
        T::Directory => Kind::Dir,
        T::Symlink => Kind::Symlink,
        T::Link => Kind::Hardlink,
        T::Fifo => Kind::Fifo,
        T::Char => Kind::CharDevice,
        T::Block => Kind::BlockDevice,
        // Long names and PAX records are folded into the entries they describe.
        _ => return Ok(None),
    };
    let raw_path = entry.path().context("a context tar entry's path")?;
    let Some(path) = clean_relative(&raw_path.to_string_lossy()) else {
        anyhow::bail!(
            "context tar entry {} leaves the context",
            raw_path.display()
        );
    };
    if path.is_empty() {
        return Ok(None);
    }
    let link = entry.link_name().context("a context tar entry's link")?;
    let link = link.map(|l| l.to_string_lossy().into_owned());
    let linkname = match kind {
        Kind::Symlink => link.unwrap_or_default(),
        Kind::Hardlink => clean_relative(&link.unwrap_or_default()).unwrap_or_default(),
        _ => String::new(),
    };
    let start = entry.raw_file_position() as usize;
    let data = match kind {
        Kind::File => start..start + entry.size() as usize,
        _ => start..start,
    };
    anyhow::ensure!(
        data.end <= tar.len(),
        "context tar entry {path} is cut short"
    );
    let mtime_s = header.mtime().unwrap_or(0) as i64;
    Ok(Some(Entry {
        mtime_ns: mtime_ns(mtime_s, kind, &tar[data.clone()]),
        unix_mode: header.mode().unwrap_or(0o644) & 0o7777,
        devmajor: header.device_major().ok().flatten().unwrap_or(0) as i64,
        devminor: header.device_minor().ok().flatten().unwrap_or(0) as i64,
        path,
        kind,
        linkname,
        data,
    }))
}

/// A tar records whole seconds, but fsutil's receiver keeps its copy of a file from the last
/// build when size and mtime (in ns) are unchanged: an edit of the same length within the same
/// second (dockbench's nonces are of fixed length, and a cached build takes well under a second)
/// would not be sent, and the build would hit the cache of the old content. So a file's sub-second
/// part is taken from its content: equal stats then mean equal bytes (up to a CRC-32 collision),
/// and the seconds stay those the tar upload would give the image.
fn mtime_ns(mtime_s: i64, kind: Kind, data: &[u8]) -> i64 {
    let subsecond = match kind {
        Kind::File => i64::from(crc32fast::hash(data)) % 1_000_000_000,
        _ => 0,
    };
    mtime_s * 1_000_000_000 + subsecond
}

fn implied_dir(path: String) -> Entry {
    Entry {
        path,
        kind: Kind::Dir,
        unix_mode: 0o755,
        mtime_ns: 0,
        linkname: String::new(),
        devmajor: 0,
        devminor: 0,
        data: 0..0,
    }
}

/// `a/b/c` -> `a`, `a/b`.
fn parents(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// `./a//b/` -> `a/b`; `None` when it climbs out (`..` above the root). A leading `/` is
/// dropped: tar paths are relative to the context.
pub fn clean_relative(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// What one DiffCopy call asks for: fsutil's `FilterOpt` (`include-patterns`,
/// `exclude-patterns`, and `followpaths`, which become include patterns with any symlink on
/// their way resolved). `None`: no such patterns were sent, so nothing is filtered that way.
#[derive(Debug, Default)]
pub struct Filter {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

/// What a folder matched, handed down to its entries as fsutil's walk does.
#[derive(Debug, Clone, Default)]
pub struct Matched {
    include: MatchInfo,
    exclude: MatchInfo,
}

impl Filter {
    pub fn new(
        tree: &ContextTree,
        include: &[String],
        exclude: &[String],
        follow: &[String],
    ) -> anyhow::Result<Filter> {
        let mut include = include.to_vec();
        let mut resolved = BTreeSet::new();
        for path in follow {
            follow_links(tree, path, &mut resolved, 0);
        }
        for path in resolved {
            if !include.contains(&path) {
                include.push(path);
            }
        }
        // As fsutil, a list that was sent makes a matcher even when all its patterns are
        // blank: then an include list keeps nothing.
        let matcher = |patterns: &[String]| match patterns.is_empty() {
            true => Ok(None),
            false => Matcher::new(patterns).map(Some),
        };
        Ok(Filter {
            include: matcher(&include).context("include-patterns")?,
            exclude: matcher(exclude).context("exclude-patterns")?,
        })
    }

    /// Whether fsutil's walk keeps `path`, given what its folder matched (`None` at the root):
    /// patternmatcher's `MatchesUsingParentResults` for each list, as fsutil has used since
    /// 2021. So a folder's match reaches everything below it, and an exception applies to the
    /// folder it matches and what lies below. fsutil also skips folders that no literal pattern
    /// can reach into; that saves work without changing what is kept, so it is left out here.
    pub fn keeps(&self, path: &str, parent: Option<&Matched>) -> (bool, Matched) {
        let mut matched = Matched::default();
        let mut keep = true;
        if let Some(include) = &self.include {
            let (hit, info) = include.matches_using_parent(path, parent.map(|p| &p.include));
            keep &= hit;
            matched.include = info;
        }
        if let Some(exclude) = &self.exclude {
            let (hit, info) = exclude.matches_using_parent(path, parent.map(|p| &p.exclude));
            keep &= !hit;
            matched.exclude = info;
        }
        (keep, matched)
    }
}

/// fsutil's `FollowLinks`, without wildcards: `path`, and where every symlink on its way
/// leads, each symlink itself included.
fn follow_links(tree: &ContextTree, path: &str, out: &mut BTreeSet<String>, depth: usize) {
    let Some(path) = clean_relative(path) else {
        return;
    };
    // Go's loop detection is the set of paths seen; a depth bound does the same here.
    if depth > 40 || path.is_empty() {
        return;
    }
    let parts: Vec<&str> = path.split('/').collect();
    for i in 1..=parts.len() {
        let current = parts[..i].join("/");
        let rest = parts[i..].join("/");
        let Some(link) = tree.find(&current).filter(|e| e.kind == Kind::Symlink) else {
            continue;
        };
        if !out.insert(current.clone()) && rest.is_empty() {
            return;
        }
        let base = match link.linkname.starts_with('/') {
            true => String::new(),
            false => parents(&current).last().unwrap_or("").to_string(),
        };
        let target = format!("{base}/{}/{rest}", link.linkname);
        follow_links(tree, &target, out, depth + 1);
        return;
    }
    out.insert(path);
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
