//! Known answers on `docker save` tarballs built here, entry by entry.

use super::*;

use super::testdata::{
    base, layer_tar, save, save_tar, save_tar_as, tar_of, Blob, Blobs, Layout, E, LAYOUTS,
};

const MIB: u64 = 1 << 20;

/// The anatomy of these layers, the same from every layout (`LAYOUTS`) but for what a
/// registry stores.
fn analyse_all(layers: &[(&str, Vec<u8>)]) -> Anatomy {
    let legacy = analyse(save_tar(layers).as_slice()).unwrap();
    for layout in LAYOUTS {
        let a = analyse(save_tar_as(layout, layers).as_slice())
            .unwrap_or_else(|e| panic!("{layout:?}: {e:#}"));
        let without = |a: &Anatomy| Anatomy {
            compressed_bytes: 0,
            compressed_source: CompressedSource::NotMeasured,
            ..a.clone()
        };
        assert_eq!(without(&a), without(&legacy), "{layout:?}");
    }
    legacy
}

#[test]
fn a_file_written_then_deleted_is_wasted_once_in_the_layer_that_wrote_it() {
    let a = analyse_all(&[
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 10 * MIB)]),
        ),
        ("RUN rm", layer_tar(&[E::D("tmp/"), E::F("tmp/.wh.big", 0)])),
    ]);
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
    let a = analyse_all(&[
        ("base", base()),
        ("RUN /bin/sh -c ln -s /0123456789 /lnk # buildkit", linked()),
        ("/bin/sh -c ln -s /0123456789 /lnk", linked()),
    ]);
    let sizes: Vec<u64> = a.layers.iter().map(|l| l.size_bytes).collect();
    assert_eq!(sizes, [1107, 1000, 1011]);
}

#[test]
fn an_overwritten_file_wastes_its_earlier_copy() {
    let a = analyse_all(&[
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
    let a = analyse_all(&[
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
    let a = analyse_all(&[
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
    for layout in LAYOUTS {
        let image = save_tar_as(layout, &[("base", base())]);
        assert_eq!(
            analyse(Trickle(&image)).unwrap(),
            analyse(image.as_slice()).unwrap(),
            "{layout:?}"
        );
    }
    let image = save_tar(&[("base", base())]);
    let cut = analyse(&image[..image.len() / 2]).unwrap_err();
    assert!(format!("{cut:#}").contains("layer.tar"), "{cut:#}");
    let no_manifest = analyse(base().as_slice()).unwrap_err();
    assert_eq!(
        no_manifest.to_string(),
        "the image tarball has no manifest.json (nor index.json)"
    );
}

/// What a registry stores, where the engine saved uncompressed layers: dockbench gzips them.
#[test]
fn random_bytes_stay_as_large_compressed_and_zeros_shrink_to_almost_nothing() {
    let random = save_tar(&[("RUN random", layer_tar(&[E::R("r", 50 * MIB, 7)]))]);
    let a = analyse(random.as_slice()).unwrap();
    assert!(a.compressed_bytes >= 50 * MIB, "{}", a.compressed_bytes);
    assert!(a.compressed_bytes < 51 * MIB, "{}", a.compressed_bytes);
    assert_eq!(a.compressed_source, CompressedSource::Dockbench);
    let overlay2 = Layout::Oci {
        blobs: Blobs::Tar,
        index_only: false,
    };
    let zeros = save_tar_as(
        overlay2,
        &[("RUN zeros", layer_tar(&[E::Z("z", 50 * MIB)]))],
    );
    let a = analyse(zeros.as_slice()).unwrap();
    assert!(a.compressed_bytes < MIB, "{}", a.compressed_bytes);
    assert_eq!(a.compressed_source, CompressedSource::Dockbench);
}

/// The same uncompressed layers give the same figure from either layout: the OCI one's own
/// manifest names uncompressed blobs, so dockbench sizes the one `docker push` would write.
#[test]
fn uncompressed_layouts_agree_on_what_a_registry_stores() {
    let layers = [
        ("base", base()),
        (
            "RUN w",
            layer_tar(&[E::D("tmp/"), E::R("tmp/r", 100_000, 3)]),
        ),
    ];
    let figures: Vec<(u64, CompressedSource)> = LAYOUTS
        .iter()
        .filter(|l| {
            matches!(
                l,
                Layout::Legacy
                    | Layout::Oci {
                        blobs: Blobs::Tar,
                        ..
                    }
            )
        })
        .map(|&l| {
            let a = analyse(save_tar_as(l, &layers).as_slice()).unwrap();
            (a.compressed_bytes, a.compressed_source)
        })
        .collect();
    assert_eq!(figures.len(), 3);
    assert!(figures.iter().all(|f| *f == figures[0]), "{figures:?}");
    assert!(figures[0].0 > 100_000, "{figures:?}");
    assert_eq!(figures[0].1, CompressedSource::Dockbench);
}

/// Where the engine saved compressed blobs, they count byte for byte, a blob two layers share
/// once, as a registry keeps it.
#[test]
fn compressed_blobs_count_exactly_as_saved() {
    let twice = || layer_tar(&[E::F("f", 1000), E::L("lnk", "/0123456789")]);
    let layers = [
        ("base", base()),
        ("RUN a", twice()),
        ("RUN r", layer_tar(&[E::R("r", 200_000, 11)])),
        ("RUN b", twice()),
    ];
    for blobs in [Blobs::Gzip, Blobs::Zstd] {
        for index_only in [false, true] {
            let layout = Layout::Oci { blobs, index_only };
            let saved = save(layout, &layers);
            let a = analyse(tar_of(&saved.entries).as_slice()).unwrap();
            assert_eq!(a.compressed_bytes, saved.stored_bytes, "{layout:?}");
            assert_eq!(a.compressed_source, CompressedSource::Engine, "{layout:?}");
            assert_eq!(a.layers.len(), 4, "{layout:?}");
        }
    }
}

/// Engines order the entries as they like: the config and manifest may come last or first.
#[test]
fn entries_in_any_order() {
    let layers = [
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 4096)]),
        ),
        ("RUN rm", layer_tar(&[E::D("tmp/"), E::F("tmp/.wh.big", 0)])),
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for layout in LAYOUTS {
        let saved = save(layout, &layers);
        let expected = analyse(tar_of(&saved.entries).as_slice()).unwrap();
        for _ in 0..3 {
            let mut entries = saved.entries.clone();
            // Fisher-Yates with xorshift64.
            for i in (1..entries.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                entries.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            let order: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
            let a = analyse(tar_of(&entries).as_slice())
                .unwrap_or_else(|e| panic!("{layout:?} {order:?}: {e:#}"));
            assert_eq!(a, expected, "{layout:?} {order:?}");
        }
    }
}

#[test]
fn a_missing_layer_blob_is_named() {
    let layers = [
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 4096)]),
        ),
    ];
    for layout in LAYOUTS {
        let mut saved = save(layout, &layers);
        let gone = saved.layer_paths[1].clone();
        saved.entries.retain(|(p, _)| *p != gone);
        let err = analyse(tar_of(&saved.entries).as_slice()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the image tarball has no {gone}"),
            "{layout:?}"
        );
    }
}

/// Docker's own layout writes a layer it already wrote as a symlink to the first copy.
#[test]
fn a_layer_saved_as_a_link_reads_as_its_target() {
    let same = || layer_tar(&[E::D("app/"), E::F("app/x", 10)]);
    let saved = save(
        Layout::Legacy,
        &[("base", base()), ("A", same()), ("B", same())],
    );
    assert!(saved
        .entries
        .iter()
        .any(|(_, b)| matches!(b, Blob::Link(_))));
    let a = analyse(tar_of(&saved.entries).as_slice()).unwrap();
    assert_eq!(a.layers[1].added_bytes, 10);
    assert_eq!(a.layers[2].modified_bytes, 10);
}

#[test]
fn a_manifest_and_config_that_disagree_on_the_layers_are_an_error() {
    let mut saved = save(Layout::Legacy, &[("base", base()), ("A", base())]);
    let (_, manifest) = saved.entries.last_mut().unwrap();
    let Blob::Data(text) = manifest else {
        unreachable!()
    };
    let mut listing: serde_json::Value = serde_json::from_slice(text).unwrap();
    listing[0]["Layers"].as_array_mut().unwrap().pop();
    *text = listing.to_string().into_bytes();
    let err = analyse(tar_of(&saved.entries).as_slice()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the image config lists 2 layers (rootfs.diff_ids), its manifest 1"
    );
}
