//! Fuzzes the Markdown renderer for untrusted text: no panic, and the HTML it returns holds only
//! the tags Markdown itself makes, with no event handler and no link outside http(s)/mailto/paths.
#![no_main]

use app::components::markdown::{render_markdown, safe_url};
use libfuzzer_sys::fuzz_target;

/// The tags pulldown-cmark writes for the extensions we enable.
const TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "input",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];
/// The attributes it writes.
const ATTRIBUTES: &[&str] = &[
    "href", "title", "start", "type", "checked", "disabled", "class", "style",
];

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let html = render_markdown(&src);
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = &rest[..end];
        assert!(
            TAGS.contains(&name),
            "raw tag <{name}> survived in {html:?} from {src:?}"
        );
        let tag = &rest[..rest.find('>').expect("every tag closes")];
        for attr in attributes(&tag[end..]) {
            let (key, value) = attr.split_once('=').unwrap_or((attr, ""));
            assert!(ATTRIBUTES.contains(&key), "attribute {key} in {html:?}");
            if key == "href" {
                let url = value.trim_matches('"');
                assert!(safe_url(url), "unsafe link {url:?} in {html:?}");
            }
        }
    }
});

/// The `name="value"` (or bare `name`) pairs of an opening tag's inside, quotes respected.
fn attributes(inside: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in inside.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '/' if !quoted => {
                if let Some(s) = start.take() {
                    out.push(&inside[s..i]);
                }
            }
            _ if start.is_none() => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&inside[s..]);
    }
    out
}
