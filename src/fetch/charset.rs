//! Bytes to text: the byte-order mark, else the HTTP charset, else a `<meta charset>` or
//! `<meta http-equiv=content-type>` in the first 1024 bytes, else UTF-8. Invalid sequences
//! become U+FFFD; decoding never fails.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8};
use regex::bytes::Regex;

static META_CHARSET: LazyLock<Regex> =
    crate::static_regex!(bytes: r#"(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)"#);

/// Decodes an HTML body.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let (text, _, _) = encoding_of(bytes, content_type).decode(bytes);
    text.into_owned()
}

/// Decodes an HTML body it owns: valid UTF-8, the common case, becomes the text without a copy.
pub fn decode_html_owned(mut bytes: Vec<u8>, content_type: Option<&str>) -> String {
    if encoding_of(&bytes, content_type) != UTF_8 {
        return decode_html(&bytes, content_type);
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

fn encoding_of(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    Encoding::for_bom(bytes)
        .map(|(encoding, _)| encoding)
        .or_else(|| content_type.and_then(http_charset))
        .or_else(|| meta_charset(bytes))
        .unwrap_or(UTF_8)
}

fn http_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("charset"))
            .then(|| Encoding::for_label(value.trim().trim_matches('"').as_bytes()))
            .flatten()
    })
}

fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let label = META_CHARSET.captures(head)?.get(1)?.as_bytes();
    // A page that says UTF-16 in a meta tag is ASCII-compatible bytes: the meta is wrong.
    Encoding::for_label(label).map(|encoding| encoding.output_encoding())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_comes_from_the_bom_the_header_or_the_meta_tag() {
        assert_eq!(decode_html(b"caf\xe9", Some("text/html; charset=windows-1252")), "café");
        assert_eq!(
            decode_html(b"<meta charset=\"iso-8859-1\"><p>caf\xe9", None),
            "<meta charset=\"iso-8859-1\"><p>café"
        );
        assert_eq!(decode_html("\u{feff}héllo".as_bytes(), Some("text/html; charset=iso-8859-1")), "héllo");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("hé".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_html(&utf16, None), "hé");
        assert_eq!(
            decode_html(b"ok \xff\xfe bad", Some("text/html; charset=utf-8")),
            "ok \u{fffd}\u{fffd} bad"
        );
    }
}
