//! How long after its last success a completed domain is scanned again: an interval, or never.
//! "Never" is written three ways at the edges (`off` in a setting or a request, `0` in the
//! `rescan_after_seconds` column, no interval for the pipeline); [`RescanAfter`] is the one
//! type that reads and writes each of them, so none is decoded anywhere else.

use std::time::Duration;

/// A re-scan interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RescanAfter {
    Never,
    Every(Duration),
}

/// The shortest interval accepted: re-scanning faster would only load the sites.
const SHORTEST: Duration = Duration::from_secs(60);

impl RescanAfter {
    /// A duration of at least a minute (`30d`, `12h`, `2w`), or `off`; `None` for anything else.
    pub fn parse(text: &str) -> Option<RescanAfter> {
        if text.eq_ignore_ascii_case("off") {
            return Some(RescanAfter::Never);
        }
        let duration = humantime::parse_duration(text).ok()?;
        (duration >= SHORTEST).then_some(RescanAfter::Every(duration))
    }

    /// A submission's own interval, given as text in a request: [`RescanAfter::parse`] with the
    /// blanks around it ignored, and no longer than `rescan_after_seconds` holds.
    pub fn parse_own(text: &str) -> Option<RescanAfter> {
        RescanAfter::parse(text.trim())
            .filter(|own| own.interval().is_none_or(|interval| i64::try_from(interval.as_secs()).is_ok()))
    }

    /// As stored in `rescan_after_seconds`: 0 (or less) is never.
    pub fn from_seconds(seconds: i64) -> RescanAfter {
        match u64::try_from(seconds) {
            Ok(seconds) if seconds > 0 => RescanAfter::Every(Duration::from_secs(seconds)),
            _ => RescanAfter::Never,
        }
    }

    /// As stored in `rescan_after_seconds`: 0 for never, at most `i64::MAX`.
    pub fn seconds(self) -> i64 {
        match self {
            RescanAfter::Never => 0,
            RescanAfter::Every(interval) => i64::try_from(interval.as_secs()).unwrap_or(i64::MAX),
        }
    }

    /// From the interval the pipeline and the settings hold (`None`: never).
    pub fn from_interval(interval: Option<Duration>) -> RescanAfter {
        interval.map_or(RescanAfter::Never, RescanAfter::Every)
    }

    /// The interval the pipeline waits (`None`: never).
    pub fn interval(self) -> Option<Duration> {
        match self {
            RescanAfter::Never => None,
            RescanAfter::Every(interval) => Some(interval),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn off_and_durations_of_a_minute_or_more_are_read() {
        assert_eq!(RescanAfter::parse("off"), Some(RescanAfter::Never));
        assert_eq!(RescanAfter::parse("OFF"), Some(RescanAfter::Never));
        assert_eq!(RescanAfter::parse("1d"), Some(RescanAfter::Every(DAY)));
        assert_eq!(RescanAfter::parse("1m"), Some(RescanAfter::Every(Duration::from_secs(60))));
        for refused in ["", "59s", "0", "never", "soon"] {
            assert_eq!(RescanAfter::parse(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn a_submission_s_own_interval_ignores_blanks_and_fits_its_column() {
        assert_eq!(RescanAfter::parse_own(" 1d "), Some(RescanAfter::Every(DAY)));
        assert_eq!(RescanAfter::parse_own("off"), Some(RescanAfter::Never));
        assert_eq!(RescanAfter::parse_own("10000000000000000000s"), None);
        assert!(RescanAfter::parse("10000000000000000000s").is_some(), "a setting is not stored");
    }

    #[test]
    fn never_is_zero_seconds_and_no_interval_and_reads_back() {
        assert_eq!(RescanAfter::Never.seconds(), 0);
        assert_eq!(RescanAfter::Never.interval(), None);
        assert_eq!(RescanAfter::from_seconds(0), RescanAfter::Never);
        assert_eq!(RescanAfter::from_seconds(-5), RescanAfter::Never);
        assert_eq!(RescanAfter::from_interval(None), RescanAfter::Never);
        for every in [RescanAfter::Every(DAY), RescanAfter::Every(Duration::from_secs(60))] {
            assert_eq!(RescanAfter::from_seconds(every.seconds()), every);
            assert_eq!(RescanAfter::from_interval(every.interval()), every);
        }
        assert_eq!(RescanAfter::Every(DAY).seconds(), 86_400);
    }

    #[test]
    fn an_interval_too_long_for_the_column_is_stored_as_its_largest_value() {
        assert_eq!(RescanAfter::Every(Duration::MAX).seconds(), i64::MAX);
    }
}
