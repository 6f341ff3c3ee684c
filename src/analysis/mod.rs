//! What a results folder (or two) says, judged once: the pair judgement that `compare`, the
//! relative table and the claims share.

pub mod pair;

pub use pair::{judge_family, PairJudgement, Relation, TestUsed};
