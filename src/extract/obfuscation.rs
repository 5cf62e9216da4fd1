//! Addresses written so that harvesters miss them: Cloudflare's e-mail protection and the
//! `name [at] domain [dot] com` spelling. Pure, never panics.

use std::sync::LazyLock;

use regex::Regex;

/// Cloudflare's encoding: hex bytes, the first one the XOR key of the rest.
pub fn cloudflare(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    let bytes = bytes?;
    let key = bytes[0];
    String::from_utf8(bytes[1..].iter().map(|b| b ^ key).collect()).ok()
}

static SPELLED: LazyLock<Regex> = crate::static_regex!(
    r"(?i)\b([a-z0-9][a-z0-9._%+-]{0,63})\s*[\[\(\{]\s*at\s*[\]\)\}]\s*([a-z0-9-]{1,63}(?:\s*(?:[\[\(\{]\s*dot\s*[\]\)\}]|\.)\s*[a-z0-9-]{1,63}){1,4})"
);
/// A bracketed "at": cheap to look for (it starts at a bracket), and without one no address is
/// spelled out, so the costly pattern above runs only on the rare pages that have one.
static BRACKETED_AT: LazyLock<Regex> = crate::static_regex!(r"[\[\(\{]\s*(?i:at)\s*[\]\)\}]");
static DOT: LazyLock<Regex> = crate::static_regex!(r"(?i)\s*[\[\(\{]\s*dot\s*[\]\)\}]\s*|\s*\.\s*");

/// `name [at] domain [dot] com` and its bracket variants, as plain addresses.
pub fn spelled_out(text: &str) -> Vec<String> {
    if !BRACKETED_AT.is_match(text) {
        return Vec::new();
    }
    SPELLED
        .captures_iter(text)
        .filter_map(|c| Some(format!("{}@{}", c.get(1)?.as_str(), DOT.replace_all(c.get(2)?.as_str(), "."))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_protected_addresses_are_decoded() {
        // "contact@example.fr" under key 0x42.
        let encoded: String = std::iter::once(0x42u8)
            .chain("contact@example.fr".bytes().map(|b| b ^ 0x42))
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(cloudflare(&encoded).as_deref(), Some("contact@example.fr"));
        assert_eq!(cloudflare("zz"), None);
        assert_eq!(cloudflare("4"), None);
    }

    #[test]
    fn spelled_out_addresses_are_read() {
        assert_eq!(
            spelled_out("write to info [at] boulangerie-dupont [dot] fr today"),
            vec!["info@boulangerie-dupont.fr"]
        );
        assert_eq!(spelled_out("sales(at)shop.co(dot)uk"), vec!["sales@shop.co.uk"]);
        assert!(spelled_out("meet us at the shop dot com").is_empty(), "plain words are not an address");
    }
}
