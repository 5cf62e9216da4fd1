//! The standardised domain: what `add` and the API accept, and the only form stored in
//! `domains.domain`.
//!
//! Parse, don't validate: [`DomainName::parse`] is the one fallible door; everything after it
//! takes a [`DomainName`] and never checks again. It must never panic, whatever the input.
//!
//! A name that parses may still read as another one (`аpple.com` with a Cyrillic `а`):
//! [`confusable`] says so, and the submission decides whether that is a warning or a refusal.

pub mod confusable;

use std::fmt;

use serde::Serialize;

/// Longest input looked at; anything longer is refused before parsing, so hostile input has a
/// bounded cost.
const MAX_INPUT_LEN: usize = 2048;
/// RFC 1035: a name is at most 253 characters in text form, a label at most 63.
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A lower-case, punycode hostname under a known public suffix, without `www.`, scheme, port,
/// credentials, path or query: `HTTPS://WWW.Example.COM/path?q` is `example.com`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DomainName(String);

/// Why an input is not a domain the service can fetch. Its [`InvalidDomain::code`] is the
/// variant's name in snake case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum InvalidDomain {
    #[error("empty input")]
    Empty,
    #[error("name too long (at most 253 characters, 63 per label)")]
    TooLong,
    #[error("IP addresses are not domains")]
    IpAddress,
    #[error("localhost is not a public domain")]
    Localhost,
    #[error("single-label names are not public domains")]
    SingleLabel,
    #[error("invalid characters (letters, digits and inner hyphens only)")]
    InvalidCharacters,
    /// A character no host can hold (a blank or a control character), at this place (counted in
    /// characters from 1). It is refused, never deleted: a URL parser would drop a tab and join
    /// the letters on either side into another name.
    #[strum(serialize = "invalid_characters")]
    #[error("invalid characters: {} at character {position} cannot appear in a domain", describe_char(*character))]
    ForbiddenCharacter { character: char, position: usize },
    #[error("not under a known public suffix")]
    UnknownSuffix,
    #[error("a public suffix itself, not a domain under it")]
    PublicSuffixOnly,
}

impl InvalidDomain {
    /// A stable machine-readable reason, used by the API and the command line.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

impl DomainName {
    /// Standardises a domain, a URL or a host with port and credentials into a [`DomainName`].
    pub fn parse(input: &str) -> Result<DomainName, InvalidDomain> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InvalidDomain::Empty);
        }
        if input.len() > MAX_INPUT_LEN {
            return Err(InvalidDomain::TooLong);
        }
        check_characters(input)?;
        let host = host_of(input)?;
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            return Err(InvalidDomain::Empty);
        }
        check_shape(host)?;
        let name = strip_www(host);
        check_public_suffix(name)?;
        Ok(DomainName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name as the database holds it, unchecked: only to name a row whose name does not
    /// parse in messages about it. Such a name is never fetched.
    pub(crate) fn as_stored(text: String) -> DomainName {
        DomainName(text)
    }

    /// Why this name may read as another one (UTS #39), or `None`.
    pub fn confusable(&self) -> Option<confusable::Confusable> {
        confusable::check(&self.0)
    }

    /// The name as people read it: punycode labels decoded (`xn--bcher-kva.de` is `bücher.de`).
    pub fn unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }

    /// The registrable domain this name belongs to (`shop.example.co.uk` is `example.co.uk`),
    /// by the public suffix list, private suffixes included (`a.github.io` is its own).
    pub fn registrable(&self) -> Option<&str> {
        registrable(&self.0)
    }

    /// The registrable domain a visit of this name ended on, when it is not this name's own:
    /// `example.com` → `https://www.example.com/` is no move, `old-brand.com` →
    /// `https://new-brand.co.uk/` moved to `new-brand.co.uk`. An address written as an IP
    /// literal is answered as itself.
    pub fn moved_to(&self, final_url: &url::Url) -> Option<String> {
        let landed = match final_url.host()? {
            url::Host::Domain(host) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                registrable(&host).map_or(host.clone(), str::to_owned)
            }
            other => other.to_string(),
        };
        let own = self.registrable().unwrap_or(&self.0);
        (landed != own).then_some(landed)
    }

    /// The home page URL for `scheme` (`https://example.com/`).
    pub fn home_page(&self, scheme: &str) -> String {
        format!("{scheme}://{}/", self.0)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Refuses a control character anywhere, and a blank where the host is (before the first `/`,
/// `?` or `#` after the scheme): the URL parser would remove a tab or a line break silently.
fn check_characters(input: &str) -> Result<(), InvalidDomain> {
    let after_scheme = input.find("://").map_or(0, |at| at + 3);
    let host_ends =
        input[after_scheme..].find(['/', '?', '#', '\\']).map_or(input.len(), |at| after_scheme + at);
    for (index, (at, character)) in input.char_indices().enumerate() {
        let in_host = at >= after_scheme && at < host_ends;
        if character.is_control() || (in_host && character.is_whitespace()) {
            return Err(InvalidDomain::ForbiddenCharacter { character, position: index + 1 });
        }
    }
    Ok(())
}

/// A character as a person reads it in a message: `a tab`, `a space`, or `U+00A0`.
fn describe_char(character: char) -> String {
    match character {
        '\t' => "a tab".to_owned(),
        ' ' => "a space".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        other => format!("U+{:04X}", u32::from(other)),
    }
}

/// The host of `input`, IDNA-encoded and lower case, by the URL standard: scheme, credentials,
/// port, path, query and fragment fall away.
fn host_of(input: &str) -> Result<String, InvalidDomain> {
    let with_scheme;
    let as_url = if input.contains("://") {
        input
    } else {
        with_scheme = format!("http://{input}");
        &with_scheme
    };
    let url = url::Url::parse(as_url).map_err(|error| match error {
        url::ParseError::EmptyHost => InvalidDomain::Empty,
        url::ParseError::InvalidIpv4Address | url::ParseError::InvalidIpv6Address => InvalidDomain::IpAddress,
        _ => InvalidDomain::InvalidCharacters,
    })?;
    match url.host() {
        Some(url::Host::Domain(host)) => Ok(host.to_ascii_lowercase()),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => Err(InvalidDomain::IpAddress),
        None => Err(InvalidDomain::Empty),
    }
}

/// Length, label and character rules of a hostname (after IDNA, so ASCII only).
fn check_shape(host: &str) -> Result<(), InvalidDomain> {
    if host.len() > MAX_NAME_LEN {
        return Err(InvalidDomain::TooLong);
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|label| label.len() > MAX_LABEL_LEN) {
        return Err(InvalidDomain::TooLong);
    }
    let valid_label = |label: &&str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !labels.iter().all(valid_label) {
        return Err(InvalidDomain::InvalidCharacters);
    }
    if host == "localhost" || host.ends_with(".localhost") {
        return Err(InvalidDomain::Localhost);
    }
    if labels.len() == 1 {
        return Err(InvalidDomain::SingleLabel);
    }
    // A name made only of digits and dots that the URL parser did not take for IPv4.
    if labels.iter().all(|label| label.bytes().all(|b| b.is_ascii_digit())) {
        return Err(InvalidDomain::IpAddress);
    }
    Ok(())
}

/// `www.example.com` is `example.com`, unless dropping `www.` would leave a bare public suffix
/// (`www.co.uk` stays itself and is judged as such).
fn strip_www(host: &str) -> &str {
    match host.strip_prefix("www.") {
        Some(rest) if psl::domain(rest.as_bytes()).is_some() => rest,
        _ => host,
    }
}

/// The registrable domain of a lower-case host, if it is under a known public suffix.
fn registrable(host: &str) -> Option<&str> {
    let domain = psl::domain(host.as_bytes()).filter(|domain| domain.suffix().is_known())?;
    std::str::from_utf8(domain.as_bytes()).ok()
}

fn check_public_suffix(name: &str) -> Result<(), InvalidDomain> {
    let suffix = psl::suffix(name.as_bytes()).ok_or(InvalidDomain::UnknownSuffix)?;
    if !suffix.is_known() {
        return Err(InvalidDomain::UnknownSuffix);
    }
    match psl::domain(name.as_bytes()) {
        Some(domain) if domain.suffix().is_known() => Ok(()),
        _ => Err(InvalidDomain::PublicSuffixOnly),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_to_another_registrable_domain_by_the_public_suffix_list() {
        let moved = |name: &str, url: &str| ok_name(name).moved_to(&url::Url::parse(url).unwrap());
        assert_eq!(moved("example.com", "https://www.example.com/"), None);
        assert_eq!(moved("example.com", "http://example.com/home"), None);
        assert_eq!(moved("blog.example.com", "https://example.com/blog"), None);
        assert_eq!(moved("shop.example.co.uk", "https://www.example.co.uk/"), None);
        assert_eq!(moved("old-brand.com", "https://www.new-brand.co.uk/"), Some("new-brand.co.uk".into()));
        assert_eq!(moved("example.co.uk", "https://example.uk/"), Some("example.uk".into()));
        assert_eq!(moved("alice.github.io", "https://bob.github.io/"), Some("bob.github.io".into()));
        assert_eq!(moved("example.com", "https://EXAMPLE.NET./"), Some("example.net".into()));
        assert_eq!(moved("example.com", "http://192.0.2.7/"), Some("192.0.2.7".into()));
    }

    fn ok_name(input: &str) -> DomainName {
        DomainName::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn ok(input: &str) -> String {
        DomainName::parse(input).map(|d| d.0).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    fn err(input: &str) -> InvalidDomain {
        DomainName::parse(input).expect_err(input)
    }

    #[test]
    fn urls_are_reduced_to_their_lower_case_host_without_www() {
        assert_eq!(ok("HTTPS://WWW.Example.COM/path?q"), "example.com");
        assert_eq!(ok("example.com"), "example.com");
        assert_eq!(ok("  www.example.com.  "), "example.com");
        assert_eq!(ok("http://user:secret@shop.example.co.uk:8080/a/b#top"), "shop.example.co.uk");
        assert_eq!(ok("example.com:443"), "example.com");
        assert_eq!(ok("example.com/contact?lang=fr"), "example.com");
    }

    #[test]
    fn international_names_become_punycode() {
        assert_eq!(ok("Bücher.de"), "xn--bcher-kva.de");
        assert_eq!(ok("https://www.例え.jp/"), "xn--r8jz45g.jp");
    }

    #[test]
    fn subdomains_other_than_www_are_kept() {
        assert_eq!(ok("blog.example.com"), "blog.example.com");
        assert_eq!(ok("www2.example.com"), "www2.example.com");
        // Dropping `www.` here would leave a bare public suffix: the name stays whole.
        assert_eq!(ok("www.co.uk"), "www.co.uk");
    }

    #[test]
    fn each_bad_input_is_refused_with_its_reason() {
        assert_eq!(err(""), InvalidDomain::Empty);
        assert_eq!(err("   "), InvalidDomain::Empty);
        assert_eq!(err("https://"), InvalidDomain::Empty);
        assert_eq!(err("192.168.1.1"), InvalidDomain::IpAddress);
        assert_eq!(err("http://[::1]:8080/"), InvalidDomain::IpAddress);
        assert_eq!(err("localhost"), InvalidDomain::Localhost);
        assert_eq!(err("app.localhost"), InvalidDomain::Localhost);
        assert_eq!(err("intranet"), InvalidDomain::SingleLabel);
        assert_eq!(err("exa mple.com"), InvalidDomain::ForbiddenCharacter { character: ' ', position: 4 });
        assert_eq!(err("under_score.com"), InvalidDomain::InvalidCharacters);
        assert_eq!(err("-bad.com"), InvalidDomain::InvalidCharacters);
        assert_eq!(err(&format!("{}.com", "a".repeat(64))), InvalidDomain::TooLong);
        assert_eq!(err(&format!("{}com", "abcdefghi.".repeat(26))), InvalidDomain::TooLong);
        assert_eq!(err(&"a".repeat(5000)), InvalidDomain::TooLong);
        assert_eq!(err("example.notatld"), InvalidDomain::UnknownSuffix);
        assert_eq!(err("co.uk"), InvalidDomain::PublicSuffixOnly);
    }

    #[test]
    fn a_blank_or_control_character_is_refused_with_its_place_never_deleted() {
        assert_eq!(err("acme\tcorp.com"), InvalidDomain::ForbiddenCharacter { character: '\t', position: 5 });
        assert_eq!(
            err("https://acme\ncorp.com/"),
            InvalidDomain::ForbiddenCharacter { character: '\n', position: 13 }
        );
        assert_eq!(
            err("acme\u{a0}corp.com"),
            InvalidDomain::ForbiddenCharacter { character: '\u{a0}', position: 5 }
        );
        assert_eq!(
            err("acme\tcorp.com").to_string(),
            "invalid characters: a tab at character 5 cannot appear in a domain"
        );
        assert_eq!(err("acme\tcorp.com").code(), "invalid_characters");
        assert_eq!(ok("https://example.com/a page"), "example.com", "a blank in the path is not in the host");
    }

    #[test]
    fn reasons_have_stable_codes() {
        assert_eq!(InvalidDomain::UnknownSuffix.code(), "unknown_suffix");
        assert_eq!(InvalidDomain::IpAddress.to_string(), "IP addresses are not domains");
    }

    proptest::proptest! {
        #[test]
        fn any_input_is_parsed_or_refused_without_panic(input in ".{0,300}") {
            let _ = DomainName::parse(&input);
        }

        /// Whatever the input, the name is found in it as written (lower-cased, `www.` and the
        /// trailing dot aside): standardisation never joins the characters of two labels or
        /// words, and never makes up a name.
        #[test]
        fn a_name_is_always_found_whole_in_its_input(
            input in "[a-zA-Z0-9.\\-\t\n\r /:@?#_]{0,30}(com|de|co\\.uk)?[a-z0-9.\t /]{0,10}"
        ) {
            if let Ok(name) = DomainName::parse(&input) {
                let lowered = input.to_ascii_lowercase();
                proptest::prop_assert!(lowered.contains(name.as_str()), "{input:?} gave {name}");
            }
        }

        #[test]
        fn a_standardised_name_standardises_to_itself(input in "[a-zA-Z0-9.-]{1,40}\\.(com|de|co\\.uk|org)") {
            if let Ok(name) = DomainName::parse(&input) {
                proptest::prop_assert_eq!(DomainName::parse(name.as_str()), Ok(name.clone()));
                proptest::prop_assert_eq!(DomainName::parse(&format!("https://www.{name}/x?y")), Ok(name));
            }
        }
    }
}
