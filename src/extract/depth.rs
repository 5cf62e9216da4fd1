//! The depth guard: a hostile page nested deeper than any real one is cut before it is parsed.

/// Deepest element nesting parsed. The HTML tree builder checks the stack of open elements for
/// every tag, so its cost grows with the square of the depth, and a page of deeply nested
/// `<div>`s would hold a fetcher for a long time. No real page comes near this depth; a hostile
/// one is cut where it passes it.
const MAX_DEPTH: usize = 2048;

/// `html` up to the point where its (approximate) element depth passes [`MAX_DEPTH`].
pub(crate) fn within_depth(html: &str) -> &str {
    /// Elements without an end tag.
    fn void(name: &str) -> bool {
        let is = |void: &str| name.eq_ignore_ascii_case(void);
        match name.len() {
            2 => is("br") || is("hr"),
            3 => is("col") || is("img") || is("wbr"),
            4 => is("area") || is("base") || is("link") || is("meta"),
            5 => is("embed") || is("input") || is("param") || is("track"),
            6 => is("source"),
            _ => false,
        }
    }
    let bytes = html.as_bytes();
    if !opens_more_than(bytes, MAX_DEPTH) {
        return html;
    }
    let mut depth = 0usize;
    for start in memchr::memchr_iter(b'<', bytes) {
        let at = start + 1;
        match bytes.get(at) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end = bytes[at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |p| at + p);
                let name = &html[at..name_end];
                let tag_end = memchr::memchr(b'>', &bytes[name_end..]).map_or(bytes.len(), |p| name_end + p);
                let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
                if !self_closing && !void(name) {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return &html[..start];
                    }
                }
            }
            _ => {}
        }
    }
    html
}

/// Whether `html` opens more than `limit` elements, counting its `<`s not followed by `/`: the
/// depth cannot pass that count, so most pages need no tag-by-tag scan.
/// Counted per block of 255 byte pairs in a `u8`, without a branch, which the compiler turns
/// into vector instructions; a large page stops counting once past the limit.
fn opens_more_than(bytes: &[u8], limit: usize) -> bool {
    let Some((&last, _)) = bytes.split_last() else { return false };
    let (this, next) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let mut opening = usize::from(last == b'<');
    for (this, next) in this.chunks(255).zip(next.chunks(255)) {
        let block = this
            .iter()
            .zip(next)
            .fold(0u8, |count, (&this, &next)| count + u8::from((this == b'<') & (next != b'/')));
        opening += usize::from(block);
        if opening > limit {
            return true;
        }
    }
    opening > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_nesting_is_cut_and_ordinary_pages_are_whole() {
        let ordinary = "<html><body><div><p>a<br>b<img src=x></p></div><meta charset=utf-8/></body></html>";
        assert_eq!(within_depth(ordinary), ordinary);
        let hostile = "<div>".repeat(100_000);
        assert_eq!(within_depth(&hostile).len(), MAX_DEPTH * 5);
        let closed = "<div></div>".repeat(100_000);
        assert_eq!(within_depth(&closed), closed, "many tags at a shallow depth are fine");
    }

    #[test]
    fn a_page_with_few_opening_tags_is_whole_and_one_past_the_limit_is_cut() {
        let long = "<p>x</p>".repeat(300);
        for text in ["", "<", "a<", "</", "<a></a><b>x</b><", "<<//<", "é<p>ü</p>", &long] {
            let naive = text.match_indices('<').filter(|(at, _)| !text[at + 1..].starts_with('/')).count();
            for limit in [0, 1, 2, 3, naive.saturating_sub(1), naive, naive + 1] {
                assert_eq!(opens_more_than(text.as_bytes(), limit), naive > limit, "{text:?} over {limit}");
            }
        }
        let at_the_limit = "<div>".repeat(MAX_DEPTH);
        assert_eq!(within_depth(&at_the_limit), at_the_limit);
        let past_it = "<div>".repeat(MAX_DEPTH + 1);
        assert_eq!(within_depth(&past_it), at_the_limit);
    }
}
