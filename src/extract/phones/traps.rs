//! Digits that are not phone numbers: identifiers after their label, dates, year ranges and
//! prices.

use std::sync::LazyLock;

use regex::Regex;

use crate::extract::strip_prefix_ignore_case;

/// Labels of identifiers that are digits but never phone numbers, looked for just before a
/// candidate; a VAT number may carry its country's two letters between label and digits. The
/// English labels of product codes and of order, invoice, case and similar numbers keep out the
/// North American look-alikes (`Order #602-808-2378`). The short labels must start a word
/// (`Klein, 030 1234 5678` is a name and a number, not `ein`); the long ones may end one, as in
/// German compounds (`Umsatzsteuer`).
static IDENTIFIER_LABEL: LazyLock<Regex> = crate::static_regex!(
    r"(?i)(\b(siret|siren|rcs|tva|vat|p\.?\s?iva|kvk|hrb|hra|iban|bic|btw|ust|nif|cif|abn|ein|c\.?f\.?|ust-?id(nr)?\.?)|partita\s+iva|steuer|reg(istration)?\.?\s*(no|nr|number)|company\s+(no|number)|bank|account|fax|codice\s+fiscale|\b(isbn(-?1[03])?|issn|sku|upc|ean|gtin|mpn|(order|invoice|tracking|confirmation|reference|ref|case|ticket|item|part|model|serial|policy|claim|licen[cs]e|lic|permit)\.?\s*(no|nr|number|num|id|#)))\W{0,12}$|\b(tva|vat|btw|ust-?id(nr)?\.?|nif|cif)\W{0,12}[a-z]{2}\W{0,3}$"
);
pub(super) static DATE_OR_RANGE: LazyLock<Regex> = crate::static_regex!(
    r"^(\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|(19|20)\d{2}\s*[-–/]\s*(19|20)\d{2})$"
);
const CURRENCY: [&str; 8] = ["€", "$", "£", "eur", "usd", "gbp", "chf", "¥"];

/// Whether the digits at `start..end` follow an identifier's label or stand beside a currency.
pub(super) fn is_labelled_or_priced(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    let before = &before[before.floor_char_boundary(before.len().saturating_sub(40))..];
    IDENTIFIER_LABEL.is_match(before) || is_price(before, &text[end..])
}

/// Whether a currency is written right after the digits (its first five characters, spaces
/// first) or within the three characters before them.
fn is_price(before: &str, after: &str) -> bool {
    let after = after.char_indices().nth(5).map_or(after, |(end, _)| &after[..end]).trim_start();
    let close_before = before.char_indices().rev().nth(2).map_or(before, |(start, _)| &before[start..]);
    let starts_with = |text: &str, currency: &str| strip_prefix_ignore_case(text, currency).is_some();
    CURRENCY.iter().any(|currency| {
        starts_with(after, currency)
            || close_before.char_indices().any(|(at, _)| starts_with(&close_before[at..], currency))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
