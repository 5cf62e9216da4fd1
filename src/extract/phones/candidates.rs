//! The spans of a page's text that may be phone numbers: a plain byte scan for digits and the
//! separators written between their groups.

/// A span of text that looks like a phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Candidate {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The first bytes of a run of digits and separators too long to be one number (several
    /// numbers on lines of their own): not read as it stands, but searched for North American
    /// numbers.
    pub(super) cut: bool,
}

/// Spans of `text` that look like a phone number: a `+`, `(` or digit, then digits and the
/// usual separators (see [`separator_width`]), ending in a digit, at most 25 bytes. A plain
/// byte scan: the page's whole visible text goes through it.
pub(super) fn candidates(text: &str) -> Vec<Candidate> {
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
pub(super) fn separator_width(bytes: &[u8], at: usize) -> Option<usize> {
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
pub(super) fn plain_separators(raw: &str) -> std::borrow::Cow<'_, str> {
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

/// The end of the last digit of the run of digits and separators that starts at `start`, at
/// most 64 bytes on (room for three numbers on lines of their own).
pub(super) fn run_end(bytes: &[u8], start: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
