//! Phone numbers in visible text: candidates that look like numbers, minus the traps (business
//! and tax identifiers, bank accounts, dates, year ranges, prices), validated by the
//! `phonenumber` crate and written in E.164. Pure, never panics.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// A span of text that looks like a phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Candidate {
    start: usize,
    end: usize,
    /// The first bytes of a run of digits and separators too long to be one number (several
    /// numbers on lines of their own): not read as it stands, but searched for North American
    /// numbers.
    cut: bool,
}

/// Spans of `text` that look like a phone number: a `+`, `(` or digit, then digits and the
/// usual separators (see [`separator_width`]), ending in a digit, at most 25 bytes. A plain
/// byte scan: the page's whole visible text goes through it.
fn candidates(text: &str) -> Vec<Candidate> {
    let bytes = text.as_bytes();
    let separator = |i: usize| separator_width(bytes, i);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        i = next_possible_start(bytes, i);
        if i == bytes.len() {
            break;
        }
        let starts = bytes[i].is_ascii_digit()
            || ((bytes[i] == b'+' || bytes[i] == b'(') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        let after_word = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
        if !starts || after_word {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i + 1;
        while j < bytes.len() && j - start <= 24 {
            if bytes[j].is_ascii_digit() {
                j += 1;
                end = j;
            } else if let Some(width) = separator(j) {
                j += width;
            } else {
                break;
            }
        }
        if end > start && end - start >= 7 && !bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            spans.push(Candidate { start, end, cut: false });
        } else if j - start > 24 && bytes.get(end).is_some_and(u8::is_ascii_digit) {
            spans.push(Candidate { start, end, cut: true });
        }
        i = j.max(i + 1);
    }
    spans
}

/// The length in bytes of the separator at `bytes[at]`, if one is there: space, `.`, `-`, `/`,
/// parentheses, and the characters that look like a space or a hyphen (no-break space U+00A0,
/// narrow no-break space U+202F, hyphen U+2010, non-breaking hyphen U+2011, figure dash U+2012,
/// en dash U+2013), which word processors and page builders put between digit groups.
fn separator_width(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes[at] {
        b' ' | b'.' | b'-' | b'/' | b'(' | b')' => Some(1),
        0xC2 if bytes.get(at + 1) == Some(&0xA0) => Some(2),
        0xE2 if bytes.get(at + 1) == Some(&0x80) && matches!(bytes.get(at + 2), Some(0x90..=0x93 | 0xAF)) => {
            Some(3)
        }
        _ => None,
    }
}

/// `raw` with the separators that look like a space or a hyphen written as one, which the
/// number parser reads (it knows the hyphens, not the narrow no-break space).
fn plain_separators(raw: &str) -> std::borrow::Cow<'_, str> {
    let looks_like = |c: char| match c {
        '\u{a0}' | '\u{202f}' => Some(' '),
        '\u{2010}'..='\u{2013}' => Some('-'),
        _ => None,
    };
    if raw.is_ascii() || !raw.chars().any(|c| looks_like(c).is_some()) {
        return raw.into();
    }
    raw.chars().map(|c| looks_like(c).unwrap_or(c)).collect::<String>().into()
}

/// The first index from `from` of a digit, `+` or `(`, or `bytes.len()`. Most of a page's text
/// is letters: blocks of 32 bytes are tested whole, a test the compiler turns into vector
/// instructions, and only a block with a hit is searched byte by byte.
fn next_possible_start(bytes: &[u8], from: usize) -> usize {
    let may_start = |b: u8| b.is_ascii_digit() || b == b'+' || b == b'(';
    let mut at = from;
    for block in bytes[from..].chunks_exact(32) {
        if block.iter().fold(false, |any, &b| any | may_start(b))
            && let Some(offset) = block.iter().position(|&b| may_start(b))
        {
            return at + offset;
        }
        at += 32;
    }
    bytes[at..].iter().position(|&b| may_start(b)).map_or(bytes.len(), |offset| at + offset)
}

/// Labels of identifiers that are digits but never phone numbers, looked for just before a
/// candidate; a VAT number may carry its country's two letters between label and digits. The
/// English labels of product codes and of order, invoice, case and similar numbers keep out the
/// North American look-alikes (`Order #602-808-2378`). The short labels must start a word
/// (`Klein, 030 1234 5678` is a name and a number, not `ein`); the long ones may end one, as in
/// German compounds (`Umsatzsteuer`).
static IDENTIFIER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\b(siret|siren|rcs|tva|vat|p\.?\s?iva|kvk|hrb|hra|iban|bic|btw|ust|nif|cif|abn|ein|c\.?f\.?|ust-?id(nr)?\.?)|partita\s+iva|steuer|reg(istration)?\.?\s*(no|nr|number)|company\s+(no|number)|bank|account|fax|codice\s+fiscale|\b(isbn(-?1[03])?|issn|sku|upc|ean|gtin|mpn|(order|invoice|tracking|confirmation|reference|ref|case|ticket|item|part|model|serial|policy|claim|licen[cs]e|lic|permit)\.?\s*(no|nr|number|num|id|#)))\W{0,12}$|\b(tva|vat|btw|ust-?id(nr)?\.?|nif|cif)\W{0,12}[a-z]{2}\W{0,3}$")
        .unwrap_or_else(|_| unreachable!())
});
static DATE_OR_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|(19|20)\d{2}\s*[-–/]\s*(19|20)\d{2})$")
        .unwrap_or_else(|_| unreachable!())
});
const CURRENCY: [&str; 8] = ["€", "$", "£", "eur", "usd", "gbp", "chf", "¥"];

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
    /// [`super::north_american`]): a page in English, or in no stated language, that names no
    /// region.
    NorthAmerican,
    /// Not at all.
    Unread,
}

/// Reads the phone numbers of one page. A page often writes the same number several times (the
/// header, the footer, a `tel:` link beside its text) and `phonenumber` takes tens of
/// microseconds a number, so each text read, and each number validated, is remembered.
pub(super) struct Reader {
    national: National,
    by_text: HashMap<String, Option<String>>,
    by_number: HashMap<phonenumber::PhoneNumber, Option<String>>,
}

impl Reader {
    pub fn new(national: National) -> Reader {
        LazyLock::force(&PARSE_CACHE_FOR_EVERY_REGION);
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
            National::NorthAmerican if super::north_american::has_its_digits(raw) => {
                Some(phonenumber::country::Id::US)
            }
            National::NorthAmerican | National::Unread => None,
        };
        let number = phonenumber::parse(region, raw.trim()).ok()?;
        if let Some(known) = self.by_number.get(&number) {
            return known.clone();
        }
        let valid = super::phone_validity::is_valid(&number).then(|| super::phone_validity::e164(&number));
        self.by_number.insert(number, valid.clone());
        valid
    }

    /// Whether numbers of North American shape are looked for in the text.
    fn looks_for_north_american_shapes(&self) -> bool {
        match self.national {
            National::In(region) => super::north_american::dials_plus_one(region),
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
                for (from, to) in super::north_american::shaped(&text[start..run_end]) {
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

/// The end of the last digit of the run of digits and separators that starts at `start`, at
/// most 64 bytes on (room for three numbers on lines of their own).
fn run_end(bytes: &[u8], start: usize) -> usize {
    let (mut at, mut end) = (start, start);
    while at < bytes.len() && at - start < 64 {
        if bytes[at].is_ascii_digit() {
            at += 1;
            end = at;
        } else if let Some(width) = separator_width(bytes, at) {
            at += width;
        } else {
            break;
        }
    }
    end
}

/// Whether the digits at `start..end` follow an identifier's label or stand beside a currency.
fn is_labelled_or_priced(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    let before = &before[before.floor_char_boundary(before.len().saturating_sub(40))..];
    IDENTIFIER_LABEL.is_match(before) || is_price(before, &text[end..])
}

/// Whether a currency is written right after the digits (its first five characters, spaces
/// first) or within the three characters before them.
fn is_price(before: &str, after: &str) -> bool {
    let after = after.char_indices().nth(5).map_or(after, |(end, _)| &after[..end]).trim_start();
    let close_before = before.char_indices().rev().nth(2).map_or(before, |(start, _)| &before[start..]);
    let starts_with = |text: &str, currency: &str| super::strip_prefix_ignore_case(text, currency).is_some();
    CURRENCY.iter().any(|currency| {
        starts_with(after, currency)
            || close_before.char_indices().any(|(at, _)| starts_with(&close_before[at..], currency))
    })
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
    use super::*;
    use phonenumber::country::Id;

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

    #[test]
    fn the_skip_to_a_possible_start_stops_where_a_byte_scan_would() {
        let texts = [
            String::new(),
            "no digits here at all, only words and punctuation: a, b. c - d / e ) f".repeat(3),
            format!("{}7", "x".repeat(31)),
            format!("{}+", "x".repeat(32)),
            format!("{}(", "x".repeat(33)),
            format!("{}) . , - 5", "é".repeat(40)),
            "x".repeat(64),
        ];
        for text in &texts {
            let bytes = text.as_bytes();
            for from in 0..=bytes.len() {
                let naive = bytes[from..]
                    .iter()
                    .position(|&b| b.is_ascii_digit() || b == b'+' || b == b'(')
                    .map_or(bytes.len(), |offset| from + offset);
                assert_eq!(next_possible_start(bytes, from), naive, "{text:?} from {from}");
            }
        }
    }

    #[test]
    fn a_currency_beside_the_digits_makes_a_price() {
        assert!(is_price("à partir de ", " € TTC"));
        assert!(is_price("Total: ", "  EUR"));
        assert!(is_price("cost £", ""));
        assert!(is_price("prix 1 ", " Eur."));
        assert!(is_price("$ ", " only"));
        assert!(!is_price("Tel. ", " (24/7)"));
        assert!(!is_price("", ""));
        assert!(!is_price("$ and then some ", " x"), "a currency further before");
        assert!(!is_price("Tél. ", "      €"), "a currency after more than five characters");
        assert!(is_price("éé€", "é"), "multi-byte characters around");
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
