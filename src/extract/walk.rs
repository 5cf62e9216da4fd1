//! The one walk of the parsed tree that gathers every element the rules read, and the text a
//! visitor sees, so that no rule walks the tree again.

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use html5ever::{LocalName, local_name};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

/// [`attr`] for a name already interned: one integer comparison per attribute instead of a
/// string comparison. The walk of every element uses it.
fn attr_named<'a>(element: &'a Element, name: &LocalName) -> Option<&'a str> {
    element
        .attrs
        .iter()
        .find(|(qualified, _)| {
            qualified.local == *name && qualified.prefix.is_none() && qualified.ns.is_empty()
        })
        .map(|(_, value)| &**value)
}

/// Cloudflare's attribute, which html5ever does not know: interned once.
static CLOUDFLARE_EMAIL: LazyLock<LocalName> = LazyLock::new(|| LocalName::from("data-cfemail"));

/// Elements whose text a visitor does not see.
fn hides_text(name: &LocalName) -> bool {
    [
        local_name!("script"),
        local_name!("style"),
        local_name!("noscript"),
        local_name!("svg"),
        local_name!("template"),
        local_name!("head"),
    ]
    .contains(name)
}

/// Elements that a browser lays out as their own block (or line), so that text on either side
/// of one never reads as one run: a phone number in one paragraph and a street number in the
/// next are two pieces of text, not one long number. Inline elements (`span`, `a`, `b`...) are
/// not here: a number split into spans is still one number.
fn breaks_text(name: &LocalName) -> bool {
    [
        local_name!("p"),
        local_name!("div"),
        local_name!("br"),
        local_name!("li"),
        local_name!("td"),
        local_name!("th"),
        local_name!("tr"),
        local_name!("dt"),
        local_name!("dd"),
        local_name!("h1"),
        local_name!("h2"),
        local_name!("h3"),
        local_name!("h4"),
        local_name!("h5"),
        local_name!("h6"),
        local_name!("ul"),
        local_name!("ol"),
        local_name!("dl"),
        local_name!("table"),
        local_name!("caption"),
        local_name!("address"),
        local_name!("section"),
        local_name!("article"),
        local_name!("aside"),
        local_name!("header"),
        local_name!("footer"),
        local_name!("nav"),
        local_name!("main"),
        local_name!("blockquote"),
        local_name!("pre"),
        local_name!("hr"),
        local_name!("figure"),
        local_name!("figcaption"),
        local_name!("form"),
        local_name!("fieldset"),
        local_name!("legend"),
        local_name!("details"),
        local_name!("summary"),
        local_name!("option"),
        local_name!("body"),
    ]
    .contains(name)
}

/// Ends the current block of visible text: a line break in place of the space after the last
/// piece, once however many boundaries meet (`</p><p>`, `<br><br>`).
fn end_block(text: &mut String) {
    if text.ends_with(' ') {
        text.pop();
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

/// The elements the rules read, gathered in one walk of the tree instead of one `select` per
/// rule, each of which would walk the whole tree again. The same walk gathers the visible text.
#[derive(Default)]
pub(crate) struct Elements<'a> {
    pub titles: Vec<ElementRef<'a>>,
    pub links: Vec<ElementRef<'a>>,
    pub bases: Vec<ElementRef<'a>>,
    pub html: Option<ElementRef<'a>>,
    pub h1: Vec<ElementRef<'a>>,
    pub images: Vec<ElementRef<'a>>,
    pub json_ld: Vec<ElementRef<'a>>,
    pub anchors: Vec<ElementRef<'a>>,
    pub scripts: Vec<ElementRef<'a>>,
    /// Scripts without `src` (JSON-LD aside): their text is what the technology fingerprints'
    /// `scripts` patterns read.
    pub inline_scripts: Vec<ElementRef<'a>>,
    pub metas: Vec<ElementRef<'a>>,
    /// `data-cfemail` values (Cloudflare's e-mail protection).
    pub cf_emails: Vec<&'a str>,
    /// Text a visitor sees: the text inside the document element, not inside scripts, styles,
    /// templates, inline SVG or the head, in document order, each piece followed by a space,
    /// and a line break (`\n`) wherever a block-level element or a `<br>` starts or ends
    /// ([`breaks_text`]): what reads text in runs (phone numbers) stops there.
    pub text: String,
}

impl<'a> Elements<'a> {
    pub(super) fn gather(html: &'a Html) -> Elements<'a> {
        let mut found = Elements::default();
        // Depth first in document order, each node read once on the way down (a leaf's way up is
        // the same read): the walk's cost is reading the tree, which the parse has left mostly
        // out of the processor's first-level cache. Text is seen inside the document element
        // and outside every element that hides it: `hiding` counts those open around the node.
        let mut hiding = 0usize;
        let mut in_document_element = false;
        for edge in html.tree.root().traverse() {
            let node = match edge {
                Edge::Open(node) => node,
                Edge::Close(node) => {
                    if let Node::Element(value) = node.value() {
                        if hides_text(&value.name.local) {
                            hiding -= 1;
                        } else if in_document_element && hiding == 0 && breaks_text(&value.name.local) {
                            end_block(&mut found.text);
                        } else if found.html.is_some_and(|html| html.id() == node.id()) {
                            in_document_element = false;
                        }
                    }
                    continue;
                }
            };
            match node.value() {
                Node::Text(chunk) if in_document_element && hiding == 0 => {
                    found.text.push_str(chunk);
                    found.text.push(' ');
                }
                Node::Element(value) => {
                    let Some(element) = ElementRef::wrap(node) else { continue };
                    // Tag names are interned: each test below is an integer comparison.
                    let name = &value.name.local;
                    if hides_text(name) {
                        hiding += 1;
                    } else if in_document_element && hiding == 0 && breaks_text(name) {
                        end_block(&mut found.text);
                    }
                    if let Some(encoded) = attr_named(value, &CLOUDFLARE_EMAIL) {
                        found.cf_emails.push(encoded);
                    }
                    // Links and anchors count only with somewhere to go.
                    let push_with_href = |list: &mut Vec<ElementRef<'a>>| {
                        if attr_named(value, &local_name!("href")).is_some() {
                            list.push(element);
                        }
                    };
                    if *name == local_name!("a") {
                        push_with_href(&mut found.anchors);
                    } else if *name == local_name!("meta") {
                        found.metas.push(element);
                    } else if *name == local_name!("link") {
                        push_with_href(&mut found.links);
                    } else if *name == local_name!("img") {
                        found.images.push(element);
                    } else if *name == local_name!("script") {
                        if attr_named(value, &local_name!("type"))
                            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
                        {
                            found.json_ld.push(element);
                        } else if attr_named(value, &local_name!("src")).is_some() {
                            found.scripts.push(element);
                        } else {
                            found.inline_scripts.push(element);
                        }
                    } else if *name == local_name!("title") {
                        found.titles.push(element);
                    } else if *name == local_name!("h1") {
                        found.h1.push(element);
                    } else if *name == local_name!("base") {
                        push_with_href(&mut found.bases);
                    } else if *name == local_name!("html") && found.html.is_none() {
                        found.html = Some(element);
                        in_document_element = true;
                    }
                }
                _ => {}
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's count of open elements that hide text goes back down when they close, through
    /// nesting, and text the parser moves after the body still counts.
    #[test]
    fn visible_text_is_what_no_hiding_element_encloses() {
        let cases = [
            ("<title>T</title><p>a</p>", "a\n"),
            ("<p>a<script>x</script>b<style>y</style>c</p>", "a b c\n"),
            ("<noscript><p>n</p></noscript><svg><text>s<style>z</style></text></svg><p>d</p>", "d\n"),
            ("<template><p>t<template>u</template>v</p></template><p>e</p>", "e\n"),
            ("<div>f<svg><g><text>g</text></g></svg>h</div>", "f h\n"),
            ("<html><body>i</body></html>j", "ij\n"),
        ];
        for (page, text) in cases {
            let html = Html::parse_document(page);
            assert_eq!(Elements::gather(&html).text, text, "{page}");
        }
    }

    /// Block-level elements and `<br>` end a line of the text, once where several meet;
    /// inline elements do not.
    #[test]
    fn blocks_and_line_breaks_end_a_line_and_inline_elements_do_not() {
        let cases = [
            ("<p>a</p><p>b</p>", "a\nb\n"),
            ("<p>a<br>b<br><br>c</p>", "a\nb\nc\n"),
            ("<ul><li>a</li><li>b</li></ul>", "a\nb\n"),
            ("<table><tr><td>a</td><td>b</td></tr></table>", "a\nb\n"),
            ("<p><span>+1</span> <span>704</span><a>5</a></p>", "+1   704 5\n"),
            ("<p>a<script>x</script></p><style>y</style><p>b</p>", "a\nb\n"),
        ];
        for (page, text) in cases {
            let html = Html::parse_document(page);
            assert_eq!(Elements::gather(&html).text, text, "{page}");
        }
    }
}
