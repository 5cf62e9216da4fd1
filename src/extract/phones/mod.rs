//! Phone numbers in visible text: candidates that look like numbers, minus the traps (business
//! and tax identifiers, bank accounts, dates, year ranges, prices), validated by the
//! `phonenumber` crate and written in E.164. Pure, never panics.
//!
//! `candidates` finds the spans, `traps` refuses the digits that are something else,
//! `north_american` knows the North American way of writing numbers, and `validity` decides
//! whether a parsed number is valid.

mod candidates;
mod north_american;
mod traps;
mod validity;

use std::collections::HashMap;
use std::sync::LazyLock;

use candidates::{Candidate, candidates, plain_separators, run_end};
use traps::{DATE_OR_RANGE, is_labelled_or_priced};

/// `phonenumber::parse` matches a few of the region's patterns through the crate's one cache of
/// compiled patterns, 100 entries by default: enough for a few dozen regions, fewer than a
/// service reading pages from everywhere meets, which would then compile the same patterns
/// again and again. Room for every region's parsing patterns instead.
static PARSE_CACHE_FOR_EVERY_REGION: LazyLock<()> = LazyLock::new(|| {
    let cache = phonenumber::metadata::DATABASE.cache();
    cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).set_capacity(1_000);
});

/// How a page's numbers written without `+CC` are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum National {
    /// In this region: the page's own, else the user's default. In a region that dials +1, a
    /// number of North American shape is also found beside other digits (a post code before it,
    /// another number after it).
    In(phonenumber::country::Id),
    /// As North American numbers, when written the North American way (see
    /// [`north_american`]): a page in English, or in no stated language, that names no
    /// region.
    NorthAmerican,
    /// Not at all.
    Unread,
}

/// Reads the phone numbers of one page. A page often writes the same number several times (the
/// header, the footer, a `tel:` link beside its text) and parsing a number is the costliest
/// step of reading contacts, so each text read, and each number validated, is remembered.
pub(super) struct Reader {
    national: National,
    by_text: HashMap<String, Option<String>>,
    by_number: HashMap<phonenumber::PhoneNumber, Option<String>>,
}

impl Reader {
    pub fn new(national: National) -> Reader {
        Reader { national, by_text: HashMap::new(), by_number: HashMap::new() }
    }

    /// `raw`, which the page says is a phone number (a `tel:` link, a JSON-LD `telephone`), as a
    /// valid number in E.164, if it is one.
    pub fn read(&mut self, raw: &str) -> Option<String> {
        let raw = plain_separators(raw);
        let key = same_number_key(&raw);
        if let Some(known) = self.by_text.get(key.as_ref()) {
            return known.clone();
        }
        let read = self.read_afresh(&raw);
        self.by_text.insert(key.into_owned(), read.clone());
        read
    }

    fn read_afresh(&mut self, raw: &str) -> Option<String> {
        let digits = raw.chars().filter(char::is_ascii_digit).count();
        if !(6..=15).contains(&digits) {
            return None;
        }
        let region = match self.national {
            National::In(region) => Some(region),
            National::NorthAmerican if north_american::has_its_digits(raw) => {
                Some(phonenumber::country::Id::US)
            }
            National::NorthAmerican | National::Unread => None,
        };
        // The crate's metadata loads here, on the first candidate: a page without one (and an
        // `extract` of such a page) never pays the tens of milliseconds it takes.
        LazyLock::force(&PARSE_CACHE_FOR_EVERY_REGION);
        let number = phonenumber::parse(region, raw.trim()).ok()?;
        if let Some(known) = self.by_number.get(&number) {
            return known.clone();
        }
        let valid = validity::is_valid(&number).then(|| validity::e164(&number));
        self.by_number.insert(number, valid.clone());
        valid
    }

    /// Whether numbers of North American shape are looked for in the text.
    fn looks_for_north_american_shapes(&self) -> bool {
        match self.national {
            National::In(region) => north_american::dials_plus_one(region),
            National::NorthAmerican => true,
            National::Unread => false,
        }
    }

    /// Phone numbers found in `text`, E.164, in order.
    pub fn in_text(&mut self, text: &str) -> Vec<String> {
        let mut found = Vec::new();
        let shapes = self.looks_for_north_american_shapes();
        // Each run of digits and separators is searched for shapes once, from its first span.
        let mut shapes_searched_to = 0;
        for Candidate { start, end, cut } in candidates(text) {
            let raw = text[start..end].trim();
            let digits = raw.bytes().filter(u8::is_ascii_digit).count();
            let whole_fits = !cut && (8..=15).contains(&digits);
            if (!whole_fits && !shapes)
                || DATE_OR_RANGE.is_match(raw)
                || is_labelled_or_priced(text, start, end)
            {
                continue;
            }
            // Written without a country code, a number must use its country's national form.
            let international = raw.starts_with('+') || raw.starts_with("00");
            let whole = if whole_fits && (international || matches!(self.national, National::In(_))) {
                self.read(raw)
            } else {
                None
            };
            if let Some(number) = whole {
                push_unique(&mut found, number);
                continue;
            }
            if shapes && start >= shapes_searched_to {
                let run_end = run_end(text.as_bytes(), start);
                shapes_searched_to = run_end;
                for (from, to) in north_american::shaped(&text[start..run_end]) {
                    let (from, to) = (start + from, start + to);
                    if from > start && is_labelled_or_priced(text, from, to) {
                        continue;
                    }
                    if let Some(number) = self.read(&text[from..to]) {
                        push_unique(&mut found, number);
                    }
                }
            }
        }
        found
    }
}

fn push_unique(found: &mut Vec<String>, number: String) {
    if !found.contains(&number) {
        found.push(number);
    }
}

/// What `phonenumber::parse` reads the same whatever the spacing: `+44 20 7946 0000`,
/// `+44-20-7946-0000` and `+442079460000` are one number, parsed once. Only for text made of
/// digits, `+`, parentheses and the separators the parser drops (space, `.`, `-`, `/`, after
/// [`plain_separators`]); other text (letters, an extension) is its own key.
fn same_number_key(raw: &str) -> std::borrow::Cow<'_, str> {
    let separator = |c: char| matches!(c, ' ' | '.' | '-' | '/');
    let plain = raw.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')') || separator(c));
    if plain && raw.contains(separator) {
        raw.chars().filter(|&c| !separator(c)).collect()
    } else {
        raw.into()
    }
}

/// Phone numbers found in `text`, E.164, in order, for numbers written without `+CC` read in
/// `region`.
#[cfg(test)]
pub fn in_text(text: &str, region: Option<phonenumber::country::Id>) -> Vec<String> {
    Reader::new(region.map_or(National::Unread, National::In)).in_text(text)
}

#[cfg(test)]
mod tests {
    use phonenumber::country::Id;

    use super::*;

    #[test]
    fn phone_numbers_in_text_are_read_in_the_page_region() {
        assert_eq!(in_text("Appelez le 01 42 68 53 00 !", Some(Id::FR)), vec!["+33142685300"]);
        assert_eq!(in_text("Call +44 20 7946 0000 today", None), vec!["+442079460000"]);
        assert_eq!(in_text("Tel. (0)30 1234 5678", Some(Id::DE)), vec!["+493012345678"]);
        assert_eq!(
            in_text("ééééééééééééééééééééééééééééé 01 42 68 53 00", Some(Id::FR)),
            vec!["+33142685300"],
            "multi-byte text before a number"
        );
    }

    #[test]
    fn spellings_of_one_number_are_parsed_once_and_read_the_same() {
        let mut reader = Reader::new(National::In(Id::GB));
        for spelling in [
            "+44 20 7946 0000",
            "+44-20-7946-0000",
            "+44.20.7946.0000",
            "+442079460000",
            "+44\u{a0}20 7946/0000",
        ] {
            assert_eq!(reader.read(spelling).as_deref(), Some("+442079460000"), "{spelling}");
        }
        assert_eq!(reader.by_text.len(), 1, "one parse for every spelling");
        assert_eq!(
            reader.read("+44 (0)20 7946 0000").as_deref(),
            Some("+442079460000"),
            "parentheses are kept in the key"
        );
        assert_eq!(
            reader.read("020 7946 0000").as_deref(),
            Some("+442079460000"),
            "the national form is read in the region"
        );
        assert_eq!(reader.by_text.len(), 3);
    }

    /// Digits that are not phone numbers, each labelled with what it is.
    #[test]
    fn identifiers_dates_ranges_and_prices_are_never_phone_numbers() {
        let traps = [
            ("SIRET", "SIRET : 732 829 320 00074", Id::FR),
            ("SIREN", "SIREN 732 829 320", Id::FR),
            ("French VAT", "TVA intracommunautaire FR 40 303 265 045", Id::FR),
            ("Italian VAT", "P.IVA 01234567890", Id::IT),
            ("VAT with its country prefix", "VAT GB 020 7946 0018", Id::GB),
            ("German VAT identifier", "USt-IdNr.: DE 030 1234 5678", Id::DE),
            ("Italian VAT, long label", "Partita IVA: 12345678901", Id::IT),
            ("Dutch chamber of commerce", "KvK 12345678", Id::NL),
            ("German register", "HRB 123456 B", Id::DE),
            ("IBAN", "IBAN: FR76 3000 6000 0112 3456 7890 189", Id::FR),
            ("date", "Mis à jour le 12.03.2024", Id::FR),
            ("ISO date", "published 2024-03-12", Id::GB),
            ("year range", "© 1998-2024 Boulangerie Dupont", Id::FR),
            ("price", "à partir de 1 250 000 €", Id::FR),
            ("price before", "$ 12,500,000.00", Id::US),
            ("postcode", "75008 Paris", Id::FR),
            ("opening hours", "Lun-Ven 9:00-18:00", Id::FR),
            ("fax is kept out too", "Fax: 01 42 68 53 01", Id::FR),
        ];
        for (label, text, region) in traps {
            assert!(
                in_text(text, Some(region)).is_empty(),
                "{label}: {text} -> {:?}",
                in_text(text, Some(region))
            );
        }
    }
}
