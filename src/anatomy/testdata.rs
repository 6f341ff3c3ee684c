//! `docker save` tarballs built entry by entry, for tests here and the fake engine.

use std::io::Read;

/// An entry of a layer tar: a directory (`dir/`), a file of `n` bytes, a symlink (`-> target`),
/// or a whiteout (`.wh.` names, as they are).
pub(crate) enum E<'a> {
    D(&'a str),
    F(&'a str, u64),
    L(&'a str, &'a str),
}

pub(crate) fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        match e {
            E::D(path) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
            E::F(path, n) => {
                h.set_size(*n);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::repeat(b'x').take(*n))
                    .unwrap();
            }
            E::L(path, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, path, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// A `docker save` tarball of these layers (oldest first, with their steps), in Docker's
/// order: the config, the layer folders by id, then `manifest.json` last.
pub(crate) fn save_tar(layers: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let ids: Vec<String> = (0..layers.len())
        .map(|i| format!("{:064x}", 1000 - i))
        .collect();
    let history: Vec<serde_json::Value> = layers
        .iter()
        .flat_map(|(step, _)| {
            [
                serde_json::json!({"created_by": "ENV X=1", "empty_layer": true}),
                serde_json::json!({"created_by": step}),
            ]
        })
        .collect();
    let config = serde_json::json!({"history": history}).to_string();
    let manifest = serde_json::json!([{
        "Config": "cafe.json",
        "RepoTags": ["dockbench/t:1"],
        "Layers": ids.iter().map(|id| format!("{id}/layer.tar")).collect::<Vec<_>>(),
    }])
    .to_string();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, data).unwrap();
    };
    add("cafe.json", config.as_bytes());
    let mut sorted: Vec<(usize, &String)> = ids.iter().enumerate().collect();
    sorted.sort_by(|a, b| a.1.cmp(b.1));
    for (i, id) in sorted {
        add(&format!("{id}/VERSION"), b"1.0");
        add(&format!("{id}/layer.tar"), &layers[i].1);
    }
    add("manifest.json", manifest.as_bytes());
    b.into_inner().unwrap()
}

pub(crate) fn base() -> Vec<u8> {
    layer_tar(&[
        E::D("bin/"),
        E::F("bin/busybox", 1000),
        E::L("bin/sh", "busybox"),
        E::D("etc/"),
        E::F("etc/passwd", 100),
    ])
}

/// The fake engine's image: busybox-like base, then a 4096-byte file written and deleted:
/// wasted 4096 bytes, 3 files.
pub(crate) fn small_image() -> Vec<u8> {
    save_tar(&[
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 4096)]),
        ),
        ("RUN rm", layer_tar(&[E::D("tmp/"), E::F("tmp/.wh.big", 0)])),
    ])
}
