//! A pattern of the rules as the prefilters and the matcher hold it. A leaf of its own: the
//! rules build patterns, the prefilters file them behind their literals, and the matcher runs
//! them, so none of those needs another to name one.

use super::lazy::LazyRegex;

/// A pattern and the technology (index) it is evidence of.
pub(super) struct Pattern {
    pub(super) tech: usize,
    pub(super) regex: LazyRegex,
    /// For a pattern of the page: the longest match it can make, when that is bounded and the
    /// pattern looks at no context (`^`, `$`, `\b`), so that it can be searched for near its
    /// literals instead of over the whole page (see `matching::try_pattern_near`).
    pub(super) reach: Option<usize>,
}
