//! `run --shard K/N`: which variants shard K of N measures. Each variant goes to the shard
//! with the highest hash of (variant name, shard number), rendezvous hashing: the split depends
//! on nothing but the names, so every runner of a CI matrix computes the same one, and adding
//! or removing a variant moves no other variant to another shard. The reference variant is
//! measured in every shard, so that each shard's relative figures are same-machine figures.
//!
//! With a history at hand (`run --balance-from`), the variants whose last duration is known
//! are dealt out longest first, each to the shard with the least work so far (the LPT rule,
//! within 4/3 of the best split), and only the variants without a duration are hashed. Every
//! runner of a matrix reads the same history, so they still agree.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// `K/N` with 1 ≤ K ≤ N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: write K/N with 1 <= K <= N, like 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (1..=count) a variant belongs to.
pub fn shard_of(variant: &str, count: u32) -> u32 {
    (1..=count)
        .max_by_key(|k| {
            let digest = Sha256::digest(format!("{variant}\0{k}").as_bytes());
            u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
        })
        .expect("count >= 1")
}

/// Which shard (1..=count) measures each variant other than the reference, given each one's
/// last measured seconds per repetition where known.
pub fn plan(
    variants: &[&str],
    reference: &str,
    count: u32,
    seconds: &BTreeMap<String, f64>,
) -> BTreeMap<String, u32> {
    let mut known: Vec<(&str, f64)> = variants
        .iter()
        .filter(|v| **v != reference)
        .filter_map(|v| seconds.get(*v).map(|s| (*v, *s)))
        .collect();
    // Longest first; equal durations by name, so that every runner deals the same way.
    known.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut load_s = vec![0.0_f64; count as usize];
    let mut plan = BTreeMap::new();
    for (variant, s) in known {
        let least = (0..load_s.len())
            .min_by(|&a, &b| load_s[a].total_cmp(&load_s[b]))
            .expect("count >= 1");
        load_s[least] += s;
        plan.insert(variant.to_string(), least as u32 + 1);
    }
    for v in variants {
        if *v != reference && !plan.contains_key(*v) {
            plan.insert(v.to_string(), shard_of(v, count));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("variant-{i}")).collect()
    }

    #[test]
    fn every_variant_but_the_reference_is_in_exactly_one_shard() {
        let all = names(40);
        let names: Vec<&str> = all.iter().map(String::as_str).collect();
        for count in 1..=5 {
            let p = plan(&names, &all[0], count, &BTreeMap::new());
            assert_eq!(p.len(), all.len() - 1, "every variant but the reference");
            assert!(p.values().all(|k| (1..=count).contains(k)));
        }
        // Roughly even: 40 variants over 4 shards, none empty or holding half.
        let sizes: Vec<usize> = (1..=4)
            .map(|k| all.iter().filter(|v| shard_of(v, 4) == k).count())
            .collect();
        assert!(sizes.iter().all(|&s| (4..=20).contains(&s)), "{sizes:?}");
    }

    #[test]
    fn adding_a_variant_moves_no_other() {
        let before: Vec<u32> = names(12).iter().map(|v| shard_of(v, 3)).collect();
        let after: Vec<u32> = names(13).iter().map(|v| shard_of(v, 3)).collect();
        assert_eq!(before[..], after[..12]);
    }

    /// Six variants by their measured seconds per repetition, dealt longest first: 160 s and
    /// 140 s (the best split is 150/150; LPT is within 4/3 of it).
    #[test]
    fn durations_balance_the_shards() {
        let variants = ["base", "a", "b", "c", "d", "e", "f"];
        let seconds: BTreeMap<String, f64> = [
            ("a", 100.0),
            ("b", 60.0),
            ("c", 50.0),
            ("d", 40.0),
            ("e", 30.0),
            ("f", 20.0),
        ]
        .into_iter()
        .map(|(v, s)| (v.to_string(), s))
        .collect();
        let p = plan(&variants, "base", 2, &seconds);
        assert!(!p.contains_key("base"));
        let load = |k: u32| -> f64 {
            p.iter()
                .filter(|(_, s)| **s == k)
                .map(|(v, _)| seconds[v])
                .sum()
        };
        // 100 → 1; 60 → 2; 50 → 2 (110); 40 → 1 (140); 30 → 2 (140); 20 → 1 (160) vs 140.
        assert_eq!((load(1), load(2)), (160.0, 140.0));
        assert_eq!(p["a"], 1);
        // A variant with no duration yet goes by its hash, and moves no other.
        let mut more = variants.to_vec();
        more.push("new");
        let q = plan(&more, "base", 2, &seconds);
        assert_eq!(q["new"], shard_of("new", 2));
        for v in &variants[1..] {
            assert_eq!(q[*v], p[*v], "{v}");
        }
        // With no history at all, the plan is the hash.
        let h = plan(&variants, "base", 3, &BTreeMap::new());
        for v in &variants[1..] {
            assert_eq!(h[*v], shard_of(v, 3));
        }
    }

    #[test]
    fn shards_parse_as_k_of_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("write K/N"), "{bad}: {err}");
        }
    }
}
