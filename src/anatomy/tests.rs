//! Known answers on `docker save` tarballs built here, entry by entry.

use super::*;

use super::testdata::{base, layer_tar, save_tar, E};

const MIB: u64 = 1 << 20;

#[test]
fn a_file_written_then_deleted_is_wasted_once_in_the_layer_that_wrote_it() {
    let image = save_tar(&[
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 10 * MIB)]),
        ),
        ("RUN rm", layer_tar(&[E::D("tmp/"), E::F("tmp/.wh.big", 0)])),
    ]);
    let a = analyse(image.as_slice()).unwrap();
    assert_eq!(a.wasted_bytes, 10 * MIB);
    assert_eq!(
        a.wasted,
        [WastedFile {
            path: "/tmp/big".into(),
            bytes: 10 * MIB,
            written_in: 1,
            removed_in: 2,
            overwritten: false,
        }]
    );
    assert_eq!(a.layers[1].created_by, "RUN write");
    assert_eq!(a.layers[2].created_by, "RUN rm");
    assert_eq!(
        (a.layers[1].added_files, a.layers[1].added_bytes),
        (1, 10 * MIB)
    );
    assert_eq!(
        (a.layers[2].removed_files, a.layers[2].removed_bytes),
        (1, 10 * MIB)
    );
    // dive: /tmp/big counts 10 MiB then 0 (a file's whiteout), so its minimum is 0.
    let kept = 1000 + 100;
    assert_eq!(a.efficiency, kept as f64 / (kept + 10 * MIB) as f64);
    assert_eq!(a.files, 3, "busybox, sh, passwd");
    // The layers' sizes: files' bytes, plus "busybox" (7 bytes) as sh's target.
    assert_eq!(a.layers[0].size_bytes, 1107);
    assert_eq!(a.size_bytes, 1107 + 10 * MIB);
}

/// The engine sizes a BuildKit layer without its symlinks' targets, others with them.
#[test]
fn layer_sizes_count_symlinks_as_the_engine_does() {
    let linked = || layer_tar(&[E::F("f", 1000), E::L("lnk", "/0123456789")]);
    let image = save_tar(&[
        ("base", base()),
        ("RUN /bin/sh -c ln -s /0123456789 /lnk # buildkit", linked()),
        ("/bin/sh -c ln -s /0123456789 /lnk", linked()),
    ]);
    let a = analyse(image.as_slice()).unwrap();
    let sizes: Vec<u64> = a.layers.iter().map(|l| l.size_bytes).collect();
    assert_eq!(sizes, [1107, 1000, 1011]);
}

#[test]
fn an_overwritten_file_wastes_its_earlier_copy() {
    let image = save_tar(&[
        ("base", base()),
        (
            "COPY conf",
            layer_tar(&[E::D("etc/"), E::F("etc/app.conf", 300)]),
        ),
        (
            "COPY conf again",
            layer_tar(&[E::D("etc/"), E::F("etc/app.conf", 500)]),
        ),
    ]);
    let a = analyse(image.as_slice()).unwrap();
    assert_eq!(a.wasted_bytes, 300);
    assert!(a.wasted[0].overwritten);
    assert_eq!((a.wasted[0].written_in, a.wasted[0].removed_in), (1, 2));
    assert_eq!(
        (a.layers[2].modified_files, a.layers[2].modified_bytes),
        (1, 500)
    );
    // dive counts both copies (800) and keeps the smaller (300) as the minimum.
    let kept = 1000 + 100;
    assert_eq!(a.efficiency, (kept + 300) as f64 / (kept + 800) as f64);
}

#[test]
fn a_clean_image_wastes_nothing_and_scores_one() {
    let image = save_tar(&[
        ("base", base()),
        (
            "COPY app",
            layer_tar(&[
                E::D("app/"),
                E::F("app/main.py", 4000),
                E::F("app/lib.py", 5000),
            ]),
        ),
    ]);
    let a = analyse(image.as_slice()).unwrap();
    assert_eq!(a.wasted_bytes, 0);
    assert!(a.wasted.is_empty());
    assert_eq!(a.efficiency, 1.0);
    let largest: Vec<(&str, u64)> = a
        .largest_files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes))
        .collect();
    assert_eq!(
        largest,
        [
            ("/app/lib.py", 5000),
            ("/app/main.py", 4000),
            ("/bin/busybox", 1000),
            ("/etc/passwd", 100),
            ("/bin/sh", 0)
        ]
    );
    let dirs: Vec<(&str, u64)> = a
        .largest_dirs
        .iter()
        .map(|f| (f.path.as_str(), f.bytes))
        .collect();
    assert_eq!(dirs, [("/app", 9000), ("/bin", 1000), ("/etc", 100)]);
}

#[test]
fn a_deleted_directory_wastes_everything_below_it_and_an_opaque_one_too() {
    let image = save_tar(&[
        ("base", base()),
        (
            "RUN fill",
            layer_tar(&[
                E::D("cache/"),
                E::F("cache/a", 100),
                E::F("cache/b", 200),
                E::D("d/"),
                E::F("d/x", 50),
            ]),
        ),
        (
            "RUN clear",
            layer_tar(&[
                E::F(".wh.cache", 0),
                E::D("d/"),
                E::F("d/.wh..wh..opq", 0),
                E::F("d/y", 10),
            ]),
        ),
    ]);
    let a = analyse(image.as_slice()).unwrap();
    assert_eq!(a.wasted_bytes, 350);
    let paths: Vec<&str> = a.wasted.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["/cache/b", "/cache/a", "/d/x"]);
    assert_eq!(
        (a.layers[2].removed_files, a.layers[2].removed_bytes),
        (3, 350)
    );
    assert_eq!(a.files, 4, "busybox, sh, passwd, d/y");
    // dive: the whiteout of /cache counts what it hid (300), but as a path seen once (the
    // directory was no leaf in the layer that filled it), and /cache/a and /cache/b were seen
    // once each: deleting a whole directory costs dive's score nothing.
    assert_eq!(a.efficiency, 1.0);
}

/// Streaming: the analysis reads the tarball through any `Read`, a byte at a time if need be.
#[test]
fn reads_a_stream_in_small_pieces() {
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let image = save_tar(&[("base", base())]);
    assert_eq!(
        analyse(Trickle(&image)).unwrap(),
        analyse(image.as_slice()).unwrap()
    );
    let cut = analyse(&image[..image.len() / 2]).unwrap_err();
    assert!(format!("{cut:#}").contains("layer.tar"), "{cut:#}");
    let no_manifest = analyse(base().as_slice()).unwrap_err();
    assert_eq!(
        no_manifest.to_string(),
        "the image tarball has no manifest.json"
    );
}
