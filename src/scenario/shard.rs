//! `run --shard K/N`: which variants shard K of N measures. Each variant goes to the shard
//! with the highest hash of (variant name, shard number), rendezvous hashing: the split depends
//! on nothing but the names, so every runner of a CI matrix computes the same one, and adding
//! or removing a variant moves no other variant to another shard. The reference variant is
//! measured in every shard, so that each shard's relative figures are same-machine figures.

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

/// Whether shard `shard` measures `variant`: its own variants, and the reference.
pub fn measures(shard: Shard, variant: &str, reference: &str) -> bool {
    variant == reference || shard_of(variant, shard.count) == shard.index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("variant-{i}")).collect()
    }

    #[test]
    fn every_variant_is_in_exactly_one_shard_and_the_reference_in_all() {
        let all = names(40);
        for count in 1..=5 {
            for v in &all[1..] {
                let owners: Vec<u32> = (1..=count)
                    .filter(|&k| measures(Shard { index: k, count }, v, &all[0]))
                    .collect();
                assert_eq!(owners.len(), 1, "{v} in {owners:?} of {count}");
            }
            for k in 1..=count {
                assert!(measures(Shard { index: k, count }, &all[0], &all[0]));
            }
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

    #[test]
    fn shards_parse_as_k_of_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("write K/N"), "{bad}: {err}");
        }
    }
}
