//! Extraction: decoded HTML + response headers + final URL in, [`entity::Metadata`] out.
//! Pure: no I/O, and it never panics, whatever the page.
