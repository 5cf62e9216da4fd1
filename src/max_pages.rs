//! How many pages the fetcher may visit per domain: the home page plus contact pages, from 1
//! to 50. Checked once, here, into [`MaxPages`]; the store writes only a checked value.

use std::fmt;

use clap::builder::TypedValueParser;

/// Pages the fetcher may visit per domain, within [`MaxPages::MIN`]..=[`MaxPages::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPages(i32);

impl MaxPages {
    pub const MIN: i32 = 1;
    pub const MAX: i32 = 50;
    /// The home page only: what a submission gets without asking.
    pub const ONE: MaxPages = MaxPages(1);

    /// `pages`, or `None` out of range.
    pub fn new(pages: i32) -> Option<MaxPages> {
        (Self::MIN..=Self::MAX).contains(&pages).then_some(MaxPages(pages))
    }

    /// `pages` brought into range, as the service this one replaces did with any value.
    pub fn clamped(pages: i32) -> MaxPages {
        MaxPages(pages.clamp(Self::MIN, Self::MAX))
    }

    /// The message refusing a value out of range, after the name of the field that held it.
    pub fn out_of_range() -> String {
        format!("from {} to {}", Self::MIN, Self::MAX)
    }

    /// The command line's `--max-pages N`: clap checks the range (and words its refusal).
    pub fn arg_parser() -> impl clap::builder::TypedValueParser<Value = MaxPages> {
        clap::value_parser!(i32).range(i64::from(Self::MIN)..=i64::from(Self::MAX)).map(MaxPages)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl Default for MaxPages {
    fn default() -> MaxPages {
        MaxPages::ONE
    }
}

impl fmt::Display for MaxPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_fifty_pages_are_accepted() {
        assert_eq!(MaxPages::new(1).map(MaxPages::get), Some(1));
        assert_eq!(MaxPages::new(50).map(MaxPages::get), Some(50));
        for refused in [i32::MIN, -1, 0, 51, i32::MAX] {
            assert_eq!(MaxPages::new(refused), None, "{refused}");
        }
        assert_eq!(MaxPages::out_of_range(), "from 1 to 50");
    }

    #[test]
    fn clamping_brings_any_value_into_range() {
        assert_eq!(MaxPages::clamped(0).get(), 1);
        assert_eq!(MaxPages::clamped(-7).get(), 1);
        assert_eq!(MaxPages::clamped(7).get(), 7);
        assert_eq!(MaxPages::clamped(500).get(), 50);
    }

    #[test]
    fn the_command_line_parser_checks_the_same_range() {
        use clap::builder::TypedValueParser;
        let command = clap::Command::new("add");
        let parse = |text: &str| MaxPages::arg_parser().parse_ref(&command, None, std::ffi::OsStr::new(text));
        assert_eq!(parse("50").unwrap(), MaxPages::new(50).unwrap());
        assert!(parse("0").is_err() && parse("51").is_err() && parse("x").is_err());
    }
}
