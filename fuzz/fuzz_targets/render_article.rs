//! `render_article` on arbitrary bytes, as HTML and as Markdown, and `walk_bounded_html` on
//! their lossy UTF-8 text: the pieces nest properly (every start of a non-void element ends,
//! innermost first), at most MAX_NESTING open and MAX_ELEMENTS started, only KEPT_ATTRIBUTES
//! and each once; the rendered page has no script, no event handler, no remote href or src.
//! The checks are in `fuzz/src/render_checks.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamizdat_fuzz::render_checks::check_render_article;

fuzz_target!(|data: &[u8]| {
    check_render_article(data);
});
