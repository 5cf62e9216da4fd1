//! How an input is echoed back in an answer or a message: at most [`MAX_CHARS`] characters of
//! it, with its length, so a refused 900 KB "domain" costs its sender a line, not a megabyte
//! per answer and per log line.

use std::fmt;

/// The most characters of an input shown.
pub const MAX_CHARS: usize = 256;

/// The start of an input and its whole length in characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// At most [`MAX_CHARS`] characters, followed by `…` when the input was longer.
    pub text: String,
    /// The input's length in characters.
    pub length: usize,
}

impl Excerpt {
    pub fn of(input: &str) -> Excerpt {
        match input.char_indices().nth(MAX_CHARS) {
            None => Excerpt { text: input.to_owned(), length: input.chars().count() },
            Some((cut, _)) => {
                Excerpt { text: format!("{}…", &input[..cut]), length: input.chars().count() }
            }
        }
    }

    /// Whether the input was longer than what is shown.
    pub fn is_cut(&self) -> bool {
        self.length > MAX_CHARS
    }
}

/// `"text"` (Rust's quoting), then `… (N characters)` when cut.
impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text.strip_suffix('…').filter(|_| self.is_cut()) {
            Some(shown) => write!(f, "{shown:?}… ({} characters)", self.length),
            None => write!(f, "{:?}", self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_input_is_shown_whole() {
        let excerpt = Excerpt::of("exa mple.com");
        assert_eq!((excerpt.text.as_str(), excerpt.length), ("exa mple.com", 12));
        assert_eq!(excerpt.to_string(), "\"exa mple.com\"");
    }

    #[test]
    fn a_long_input_is_cut_at_256_characters_with_its_length() {
        let input = "é".repeat(900_000);
        let excerpt = Excerpt::of(&input);
        assert_eq!(excerpt.text.chars().count(), MAX_CHARS + 1);
        assert!(excerpt.text.ends_with('…'));
        assert_eq!(excerpt.length, 900_000);
        assert!(excerpt.to_string().ends_with("\"… (900000 characters)"));
        assert_eq!(Excerpt::of(&"a".repeat(256)).text, "a".repeat(256), "256 characters are shown whole");
    }
}
