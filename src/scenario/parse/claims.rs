//! Pass 2 for `reference` and `[[claim]]`: known variants, a metric the suite can measure, and
//! an `expect` that parses for that metric.

use toml::Spanned;

use super::raw::RawClaim;
use super::resolve::Checker;
use super::targets::check_metric;
use crate::scenario::claim::{ClaimSpec, Expectation};

pub(super) fn resolve_reference(
    ck: &mut Checker,
    reference: Option<&Spanned<String>>,
    variant_names: &[&str],
) -> Option<String> {
    let reference = reference?;
    let name = reference.get_ref();
    if !variant_names.contains(&name.as_str()) {
        let message = unknown_variant("reference", name, variant_names);
        ck.error(reference.span(), "reference", message);
        return None;
    }
    Some(name.clone())
}

pub(super) fn resolve_claims(
    ck: &mut Checker,
    raw: &[Spanned<RawClaim>],
    variant_names: &[&str],
    edit_names: &[&str],
) -> Vec<ClaimSpec> {
    let mut claims = Vec::new();
    for (i, claim) in raw.iter().enumerate() {
        let key = format!("claim[{}]", i + 1);
        let c = claim.get_ref();
        let before = ck.errors.len();
        if c.text.trim().is_empty() {
            let message = "a claim needs its `text`: what the review says";
            ck.error(claim.span(), format!("{key}.text"), message);
        }
        let metric = c.metric.get_ref();
        if let Err(message) = check_metric(metric, edit_names) {
            ck.error(c.metric.span(), format!("{key}.metric"), message);
        }
        for (side, value) in [("from", &c.from), ("to", &c.to)] {
            let name = value.get_ref();
            if !variant_names.contains(&name.as_str()) {
                let message = unknown_variant(side, name, variant_names);
                ck.error(value.span(), format!("{key}.{side}"), message);
            }
        }
        if c.from.get_ref() == c.to.get_ref() {
            let message = "`from` and `to` name the same variant: a claim compares two";
            ck.error(c.to.span(), format!("{key}.to"), message);
        }
        if let Err(message) = Expectation::parse(metric, c.expect.get_ref()) {
            ck.error(c.expect.span(), format!("{key}.expect"), message);
        }
        if ck.errors.len() == before {
            claims.push(ClaimSpec {
                text: c.text.clone(),
                source: c.source.clone(),
                metric: metric.clone(),
                from: c.from.get_ref().clone(),
                to: c.to.get_ref().clone(),
                expect: c.expect.get_ref().clone(),
            });
        }
    }
    claims
}

fn unknown_variant(key: &str, name: &str, variant_names: &[&str]) -> String {
    format!(
        "{key} names variant \"{name}\", which the suite does not have; its variants are: {}",
        variant_names.join(", ")
    )
}
