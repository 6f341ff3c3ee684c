use super::*;

/// A tar with these entries: `path/` is a folder, `path -> target` a symlink, else a file.
fn tar_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, content) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(1_700_000_000);
        if let Some(dir) = path.strip_suffix('/') {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o2775);
            header.set_size(0);
            tar.append_data(&mut header, dir, &[][..]).unwrap();
        } else if let Some((link, target)) = path.split_once(" -> ") {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            tar.append_link(&mut header, link, target).unwrap();
        } else {
            header.set_mode(if path.ends_with(".sh") { 0o4755 } else { 0o644 });
            header.set_size(content.len() as u64);
            tar.append_data(&mut header, path, content.as_bytes())
                .unwrap();
        }
    }
    tar.into_inner().unwrap()
}

fn paths(entries: &[&Entry]) -> Vec<String> {
    entries.iter().map(|e| e.path.clone()).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn everything() -> Filter {
    Filter::default()
}

#[test]
fn walk_order_puts_a_folder_right_before_its_contents() {
    // Plain string order would put `a.txt` before `a/b` ('.' < '/').
    let tree = ContextTree::from_tar(tar_of(&[
        ("a.txt", "x"),
        ("b", "x"),
        ("a/", ""),
        ("a/b", "x"),
        ("a-z", "x"),
        ("A", "x"),
    ]))
    .unwrap();
    assert_eq!(
        paths(&tree.walk(&everything())),
        strings(&["A", "a", "a/b", "a-z", "a.txt", "b"])
    );
    assert_eq!(compare_paths("a/b", "a.txt"), Ordering::Less);
    assert_eq!(compare_paths("a", "a/b"), Ordering::Less);
}

#[test]
fn folders_the_tar_only_implies_are_sent_first() {
    // As the doctor's one-file tar, or `tar` without folder entries.
    let tree = ContextTree::from_tar(tar_of(&[("x/y/z.txt", "1"), ("Dockerfile", "F")])).unwrap();
    let walked = tree.walk(&everything());
    assert_eq!(
        paths(&walked),
        strings(&["Dockerfile", "x", "x/y", "x/y/z.txt"])
    );
    assert_eq!(walked[1].stat().mode, go_mode::DIR | 0o755);
}

#[test]
fn modes_are_go_file_modes() {
    assert_eq!(to_go_mode(Kind::File, 0o644), 0o644);
    assert_eq!(to_go_mode(Kind::Dir, 0o755), 0x8000_01ed);
    assert_eq!(to_go_mode(Kind::Symlink, 0o777), 0x0800_01ff);
    assert_eq!(
        to_go_mode(Kind::File, 0o4755),
        go_mode::SETUID | 0o755,
        "setuid is Go's bit 23, not Unix's 0o4000"
    );
    assert_eq!(
        to_go_mode(Kind::Dir, 0o1777),
        go_mode::DIR | go_mode::STICKY | 0o777
    );
    assert_eq!(
        to_go_mode(Kind::Dir, 0o2775),
        go_mode::DIR | go_mode::SETGID | 0o775
    );
    assert_eq!(
        to_go_mode(Kind::CharDevice, 0o666),
        go_mode::DEVICE | go_mode::CHAR_DEVICE | 0o666
    );
}

#[test]
fn stats_carry_exact_sizes_links_and_root_ownership() {
    let tree = ContextTree::from_tar(tar_of(&[
        ("d/", ""),
        ("d/run.sh", "#!/bin/sh\n"),
        ("link -> d/run.sh", ""),
    ]))
    .unwrap();
    let stats: Vec<Stat> = tree.entries().iter().map(Entry::stat).collect();
    let [dir, file, link] = &stats[..] else {
        panic!("{stats:?}")
    };
    assert_eq!(
        (dir.path.as_str(), dir.size, dir.mode),
        ("d", 0, go_mode::DIR | go_mode::SETGID | 0o775)
    );
    assert_eq!((file.path.as_str(), file.size), ("d/run.sh", 10));
    assert_eq!(file.mode, go_mode::SETUID | 0o755);
    assert_eq!((link.linkname.as_str(), link.size), ("d/run.sh", 8));
    assert_eq!(link.mode, go_mode::SYMLINK | 0o777);
    assert!(stats.iter().all(|s| s.uid == 0 && s.gid == 0));
    assert_eq!(tree.data(&tree.entries()[1]), b"#!/bin/sh\n");
    assert!(tree.entries()[1].has_data());
    assert!(!tree.entries()[0].has_data() && !tree.entries()[2].has_data());
}

#[test]
fn mtime_is_in_nanoseconds_with_a_content_derived_fraction() {
    let tree = ContextTree::from_tar(tar_of(&[
        ("d/", ""),
        ("one", "nonce-aaaa"),
        ("two", "nonce-bbbb"),
        ("three", "nonce-aaaa"),
    ]))
    .unwrap();
    let mtime = |p: &str| tree.find(p).unwrap().mtime_ns;
    assert_eq!(mtime("d"), 1_700_000_000 * 1_000_000_000);
    assert_eq!(mtime("one") / 1_000_000_000, 1_700_000_000);
    assert_ne!(
        mtime("one"),
        mtime("two"),
        "same size, same second, other bytes"
    );
    assert_eq!(mtime("one"), mtime("three"));
}

#[test]
fn the_last_entry_for_a_path_wins_and_escapes_are_refused() {
    let tree = ContextTree::from_tar(tar_of(&[("./f", "old"), ("f", "newer")])).unwrap();
    assert_eq!(tree.entries().len(), 1);
    assert_eq!(tree.data(&tree.entries()[0]), b"newer");
    assert_eq!(clean_relative("./a//b/"), Some("a/b".to_string()));
    assert_eq!(clean_relative("a/../../b"), None);
}

#[test]
fn excludes_drop_folders_with_their_contents_unless_an_exception_names_something_below() {
    let tree = ContextTree::from_tar(tar_of(&[
        ("Dockerfile", "F"),
        ("docs/", ""),
        ("docs/a.md", "a"),
        ("docs/keep.txt", "k"),
        ("node_modules/", ""),
        ("node_modules/x.js", "x"),
        ("src/", ""),
        ("src/main.rs", "m"),
    ]))
    .unwrap();
    let filter = Filter::new(
        &tree,
        &[],
        &strings(&["docs", "!docs/keep.txt", "node_modules"]),
        &[],
    )
    .unwrap();
    assert_eq!(
        paths(&tree.walk(&filter)),
        strings(&["Dockerfile", "docs", "docs/keep.txt", "src", "src/main.rs"])
    );
}

#[test]
fn includes_keep_matches_and_the_folders_above_them() {
    let tree = ContextTree::from_tar(tar_of(&[
        ("a/", ""),
        ("a/b/", ""),
        ("a/b/c.txt", "c"),
        ("a/b/d.txt", "d"),
        ("a/e.txt", "e"),
        ("z.txt", "z"),
    ]))
    .unwrap();
    let filter = Filter::new(&tree, &strings(&["a/b/c.txt", "z*"]), &[], &[]).unwrap();
    assert_eq!(
        paths(&tree.walk(&filter)),
        strings(&["a", "a/b", "a/b/c.txt", "z.txt"])
    );
    let folder = Filter::new(&tree, &strings(&["a/b"]), &[], &[]).unwrap();
    assert_eq!(
        paths(&tree.walk(&folder)),
        strings(&["a", "a/b", "a/b/c.txt", "a/b/d.txt"])
    );
}

#[test]
fn the_dockerfile_dir_is_the_dockerfiles_folder_filtered_by_followpaths() {
    // What the Dockerfile frontend asks for: dir-name=dockerfile, followpaths=[the Dockerfile,
    // <Dockerfile>.dockerignore].
    let tree = ContextTree::from_tar(tar_of(&[
        ("app/", ""),
        ("app/Dockerfile", "FROM x"),
        ("app/Dockerfile.dockerignore", "*.log"),
        ("app/main.py", "print()"),
        ("Dockerfile", "FROM root"),
    ]))
    .unwrap();
    let dir = tree.subdir("app");
    let filter = Filter::new(
        &dir,
        &[],
        &[],
        &strings(&["Dockerfile", "Dockerfile.dockerignore"]),
    )
    .unwrap();
    let walked = dir.walk(&filter);
    assert_eq!(
        paths(&walked),
        strings(&["Dockerfile", "Dockerfile.dockerignore"])
    );
    assert_eq!(dir.data(walked[0]), b"FROM x");
}

#[test]
fn followpaths_take_the_symlinks_on_their_way_and_their_targets() {
    let tree = ContextTree::from_tar(tar_of(&[
        ("Dockerfile -> docker/Dockerfile.real", ""),
        ("docker/", ""),
        ("docker/Dockerfile.real", "FROM x"),
        ("other", "o"),
    ]))
    .unwrap();
    let filter = Filter::new(&tree, &[], &[], &strings(&["Dockerfile"])).unwrap();
    assert_eq!(
        paths(&tree.walk(&filter)),
        strings(&["Dockerfile", "docker", "docker/Dockerfile.real"])
    );
}

#[test]
fn filters_match_as_fsutils_walker_tests_expect() {
    // Cases from tonistiigi/fsutil's filter_test.go (TestWalkerExclude,
    // TestWalkerDoublestarInclude): a folder's match is handed down to what lies below it.
    let tree = ContextTree::from_tar(tar_of(&[
        ("a/b/baz/", ""),
        ("a/b/bar/foo", "x"),
        ("a/b/bar/fop", "x"),
        ("bar/foo", "x"),
        ("baz/", ""),
        ("foo2", "x"),
        ("foo/bar/bee", "x"),
    ]))
    .unwrap();
    let walk = |include: &[&str], exclude: &[&str]| {
        let filter = Filter::new(&tree, &strings(include), &strings(exclude), &[]).unwrap();
        paths(&tree.walk(&filter))
    };
    assert_eq!(
        walk(&["**/bar/foo"], &[]),
        strings(&["a", "a/b", "a/b/bar", "a/b/bar/foo", "bar", "bar/foo"])
    );
    assert_eq!(
        walk(&["**/foo/**"], &[]),
        strings(&["foo", "foo/bar", "foo/bar/bee"])
    );
    assert_eq!(
        walk(&["**/baz"], &[]),
        strings(&["a", "a/b", "a/b/baz", "baz"])
    );
    assert_eq!(
        walk(&[], &["*", "!foo/bar"]),
        strings(&["foo", "foo/bar", "foo/bar/bee"])
    );
    assert_eq!(
        walk(&["foo", "!**/bar"], &[]),
        strings(&["foo"]),
        "an exception in the include list drops a folder with all below it"
    );
}

#[test]
fn an_exception_for_a_folder_does_not_undo_an_earlier_match_below_it() {
    // fsutil hands down only the patterns a folder was tested against: `!docs` is never tried
    // on `docs` (nothing had excluded it yet), so it does not re-include `docs/x.md`. Unlike the
    // docker CLI's walk, an exception that is not a literal path still reaches into an excluded
    // folder (`!**/keep.md`).
    let tree = ContextTree::from_tar(tar_of(&[
        ("docs/keep.md", "k"),
        ("docs/x.md", "x"),
        ("a.md", "a"),
    ]))
    .unwrap();
    let walk = |exclude: &[&str]| {
        let filter = Filter::new(&tree, &[], &strings(exclude), &[]).unwrap();
        paths(&tree.walk(&filter))
    };
    assert_eq!(
        walk(&["docs/x.md", "!docs"]),
        strings(&["a.md", "docs", "docs/keep.md"])
    );
    assert_eq!(
        walk(&["docs", "!**/keep.md"]),
        strings(&["a.md", "docs", "docs/keep.md"])
    );
}

#[test]
fn an_include_list_of_blank_patterns_keeps_nothing() {
    // fsutil makes a matcher for any list it was sent; patternmatcher drops blank patterns.
    let tree = ContextTree::from_tar(tar_of(&[("a", "a")])).unwrap();
    let filter = Filter::new(&tree, &strings(&[" "]), &[], &[]).unwrap();
    assert!(tree.walk(&filter).is_empty());
    let filter = Filter::new(&tree, &[], &strings(&[" "]), &[]).unwrap();
    assert_eq!(paths(&tree.walk(&filter)), strings(&["a"]));
}
