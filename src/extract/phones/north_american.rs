//! North American numbers (country code +1: the United States, Canada and the Caribbean) as
//! they are written there: `(NXX) NXX-XXXX`, `NXX-NXX-XXXX` and `NXX.NXX.XXXX`, where N is 2 to
//! 9, optionally after a leading `1`. On a page in English that names no region, a number
//! written this way is the evidence of its region. Pure, never panics.

use std::sync::LazyLock;

use phonenumber::country::Id;
use regex::Regex;

/// The three shapes, with the hyphens and dashes that look like `-` (U+2010 to U+2013) and any
/// space (no-break ones too) where a space goes.
static SHAPE: LazyLock<Regex> = crate::static_regex!(
    r"(?x)
        (?: 1 (?: [-.\u{2010}-\u{2013}] | \s )? )?
        (?:
            \( [2-9][0-9]{2} \) (?: \s | - )? [2-9][0-9]{2} [-.\u{2010}-\u{2013}] [0-9]{4}
          | [2-9][0-9]{2} [-\u{2010}-\u{2013}] [2-9][0-9]{2} [-\u{2010}-\u{2013}] [0-9]{4}
          | [2-9][0-9]{2} \. [2-9][0-9]{2} \. [0-9]{4}
        )"
);

/// The numbers of North American shape in `run` (a stretch of digits and separators), as byte
/// ranges. Each must stand alone in the run, at its start or after a space and at its end or
/// before a space: `602-808-2378-44` and `2024.602.808.2378` are parts of longer identifiers.
pub(super) fn shaped(run: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    SHAPE
        .find_iter(run)
        .filter(|found| {
            let before = run[..found.start()].chars().next_back();
            let after = run[found.end()..].chars().next();
            before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace)
        })
        .map(|found| (found.start(), found.end()))
}

/// Whether `raw`, which a page says is a phone number (a `tel:` link, a JSON-LD `telephone`),
/// holds a North American number's digits and nothing but separators: ten digits whose first
/// and fourth are 2 to 9, or eleven after a leading `1`.
pub(super) fn has_its_digits(raw: &str) -> bool {
    let plain = raw.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '/' | '(' | ')'));
    let digits: Vec<u8> = raw.bytes().filter(u8::is_ascii_digit).collect();
    let national = match digits.as_slice() {
        [b'1', rest @ ..] if rest.len() == 10 => rest,
        all if all.len() == 10 => all,
        _ => return false,
    };
    plain && (b'2'..=b'9').contains(&national[0]) && (b'2'..=b'9').contains(&national[3])
}

/// Whether numbers of `region` are dialled with +1.
pub(super) fn dials_plus_one(region: Id) -> bool {
    phonenumber::metadata::DATABASE.by_id(region.as_ref()).is_some_and(|meta| meta.country_code() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(run: &str) -> Vec<&str> {
        shaped(run).map(|(from, to)| &run[from..to]).collect()
    }

    #[test]
    fn the_three_shapes_are_found_with_or_without_a_leading_one() {
        for number in [
            "(602) 808-2378",
            "(602)808-2378",
            "(602) 808.2378",
            "602-808-2378",
            "602.808.2378",
            "1-800-826-4766",
            "1 (800) 826-4766",
            "1.800.826.4766",
            "(704)\u{a0}882\u{2011}6302",
            "704\u{2013}882\u{2013}6302",
        ] {
            assert_eq!(shapes(number), vec![number]);
        }
    }

    #[test]
    fn several_numbers_in_one_run_are_each_found() {
        assert_eq!(
            shapes("85004 (602) 808-2378 (602) 808-2380 1-800-826-4766"),
            vec!["(602) 808-2378", "(602) 808-2380", "1-800-826-4766"]
        );
    }

    #[test]
    fn other_groupings_and_parts_of_longer_numbers_are_not_shapes() {
        for run in [
            "602 808 2378",
            "602/808-2378",
            "602-808.2378",
            "602.808-2378",
            "160-280-2378",
            "602-108-2378",
            "85004-1234",
            "2024.01.15",
            "602-808-2378-44",
            "2024.602.808.2378",
            "192.168.100.200",
            "978-1-4028-9462-6",
            "33.448376",
        ] {
            assert_eq!(shapes(run), Vec::<&str>::new(), "{run}");
        }
    }

    #[test]
    fn a_tel_link_has_north_american_digits_when_it_has_ten_or_one_and_ten() {
        for raw in ["602-296-2822", "6022962822", "1-602-296-2822", "16022962822", "(602) 296-2822"] {
            assert!(has_its_digits(raw), "{raw}");
        }
        for raw in
            ["+16022962822", "0602962822", "602-096-2822", "160229628", "602-296-2822 ext. 4", "02079460000"]
        {
            assert!(!has_its_digits(raw), "{raw}");
        }
    }

    #[test]
    fn the_united_states_and_canada_dial_plus_one_and_france_does_not() {
        assert!(dials_plus_one(Id::US));
        assert!(dials_plus_one(Id::CA));
        assert!(!dials_plus_one(Id::FR));
    }
}
