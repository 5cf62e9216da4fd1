//! Whether a parsed number is valid, decided as `phonenumber::is_valid` decides it, from the same
//! metadata, but with each region's patterns compiled once and kept here.
//!
//! Why not call `phonenumber::is_valid`: the crate keeps its compiled patterns in one LRU cache
//! of 100 entries behind a mutex, found by a SipHash of the pattern's text (often hundreds of
//! bytes), twice per match, and validating one number takes many matches. And a service that
//! reads pages from more than a few regions would make those 100 entries thrash,
//! compiling the same patterns again and again. The equivalence is tested over every example
//! number of the metadata and variations of each.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use phonenumber::PhoneNumber;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// The region identifier of non-geographic numbering plans (`+800`, `+882`, ...).
const NON_GEOGRAPHIC: &str = "001";

/// A descriptor's national-number pattern, anchored at the start as the crate matches it, and
/// the lengths it allows.
struct Pattern {
    regex: Regex,
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(descriptor: &Descriptor) -> Option<Pattern> {
        Some(Pattern {
            regex: anchored(descriptor.national_number().as_str())?,
            lengths: descriptor.possible_length().to_vec(),
        })
    }

    /// `Descriptor::is_match`: a possible length, then a match that starts at the first digit.
    fn matches(&self, national: &str) -> bool {
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&length)) && self.regex.is_match(national)
    }
}

/// `pattern` as the crate compiles it (whitespace ignored), matching only at the start: the
/// crate takes the leftmost match and asks that it start at 0, which is the same as asking
/// for a match that starts at 0. The closing parenthesis goes on a line of its own, out of
/// reach of a `#` comment.
fn anchored(pattern: &str) -> Option<Regex> {
    let source = format!("^(?:{pattern}\n)");
    let build = |unicode: bool| RegexBuilder::new(&source).ignore_whitespace(true).unicode(unicode).build();
    // National numbers are ASCII digits: ASCII classes give the same answers, with smaller automata.
    build(false).or_else(|_| build(true)).ok()
}

/// One region's patterns, compiled.
struct Region {
    general: Pattern,
    /// Premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed line
    /// and mobile: a number of any of these types is valid.
    types: Vec<Pattern>,
    leading_digits: Option<Regex>,
}

impl Region {
    fn compile(meta: &Metadata) -> Option<Region> {
        let descriptors = meta.descriptors();
        let types = [
            descriptors.premium_rate(),
            descriptors.toll_free(),
            descriptors.shared_cost(),
            descriptors.voip(),
            descriptors.personal_number(),
            descriptors.pager(),
            descriptors.uan(),
            descriptors.voicemail(),
            descriptors.fixed_line(),
            descriptors.mobile(),
        ];
        let types = types.into_iter().flatten().map(Pattern::new).collect::<Option<Vec<_>>>()?;
        let leading_digits = match meta.leading_digits() {
            Some(pattern) => Some(anchored(pattern.as_str())?),
            None => None,
        };
        Some(Region { general: Pattern::new(descriptors.general())?, types, leading_digits })
    }

    /// `number_type(..) != Type::Unknown`.
    fn knows(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|pattern| pattern.matches(national))
    }
}

/// Compiled regions by country calling code, then by region identifier; compiled on first use,
/// kept for the life of the process (a few hundred regions at most).
type Compiled = HashMap<u16, Vec<(String, Option<Arc<Region>>)>>;
static COMPILED: LazyLock<RwLock<Compiled>> = LazyLock::new(|| RwLock::new(HashMap::new()));

/// The region `meta` describes, compiled (`None` if a pattern does not compile: the number is
/// then treated as invalid, as a number the metadata cannot describe).
fn region(meta: &Metadata) -> Option<Arc<Region>> {
    let code = meta.country_code();
    let find = |compiled: &Compiled| {
        compiled.get(&code)?.iter().find(|(id, _)| id == meta.id()).map(|(_, region)| region.clone())
    };
    if let Some(found) = find(&COMPILED.read().unwrap_or_else(|poisoned| poisoned.into_inner())) {
        return found;
    }
    let compiled = Region::compile(meta).map(Arc::new);
    let mut all = COMPILED.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = find(&all) {
        return found;
    }
    all.entry(code).or_default().push((meta.id().to_owned(), compiled.clone()));
    compiled
}

/// `number.format().mode(Mode::E164).to_string()`, written here: the crate's formatter first
/// picks the number's national format, matching the region's format patterns through its
/// cache, even for E.164, which uses none of it (and it fails, which `to_string` turns into a
/// panic, for a country code the metadata does not know).
pub(super) fn e164(number: &PhoneNumber) -> String {
    format!("+{}{}", number.code().value(), number.national())
}

/// `phonenumber::is_valid(number)`.
pub(super) fn is_valid(number: &PhoneNumber) -> bool {
    let code = number.code().value();
    let national = number.national().to_string();
    let Some(regions) = DATABASE.region(&code) else { return false };
    // The crate's `source_for`: a code of one region is that region; a code shared by several
    // (+1, +44, +7, ...) goes to the first whose leading digits, or failing those whose
    // patterns, take the number.
    let compiled = if let [only] = regions.as_slice() {
        let meta = if *only == NON_GEOGRAPHIC {
            DATABASE.by_code(&code).and_then(|metas| metas.into_iter().next())
        } else {
            DATABASE.by_id(*only)
        };
        meta.and_then(region)
    } else {
        regions.iter().filter_map(|id| DATABASE.by_id(*id)).filter_map(region).find(
            |compiled| match &compiled.leading_digits {
                Some(leading) => leading.is_match(&national),
                None => compiled.knows(&national),
            },
        )
    };
    compiled.is_some_and(|compiled| compiled.knows(&national))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example number of every region's metadata, read in that region, and three
    /// variations of each (last digit changed, one digit less, one digit more): the answer is
    /// the crate's, and so is the E.164 form of each valid one.
    #[test]
    fn validity_is_the_crates_for_every_example_number_and_its_variations() {
        let mut compared = 0;
        let mut valid = 0;
        for meta in DATABASE.iter() {
            let descriptors = meta.descriptors();
            let examples = [
                Some(descriptors.general()),
                descriptors.fixed_line(),
                descriptors.mobile(),
                descriptors.toll_free(),
                descriptors.premium_rate(),
                descriptors.shared_cost(),
                descriptors.personal_number(),
                descriptors.voip(),
                descriptors.pager(),
                descriptors.uan(),
                descriptors.voicemail(),
            ];
            for example in examples.into_iter().flatten().filter_map(Descriptor::example) {
                let last = example.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0);
                let variations = [
                    example.to_owned(),
                    format!("{}{}", &example[..example.len() - 1], (last + 1) % 10),
                    example[..example.len() - 1].to_owned(),
                    format!("{example}7"),
                ];
                for national in variations {
                    let text = format!("+{} {national}", meta.country_code());
                    let Ok(number) = phonenumber::parse(None, &text) else { continue };
                    let expected = phonenumber::is_valid(&number);
                    assert_eq!(is_valid(&number), expected, "{text} ({})", meta.id());
                    if expected {
                        assert_eq!(
                            e164(&number),
                            number.format().mode(phonenumber::Mode::E164).to_string(),
                            "{text}"
                        );
                    }
                    compared += 1;
                    valid += usize::from(expected);
                }
            }
        }
        assert!(
            compared > 3_000 && valid > 1_000 && compared - valid > 1_000,
            "{compared} compared, {valid} valid"
        );
    }
}
