//! Fuzzes the chat panel's widget renderer (server-side rendered to HTML, as the first paint is):
//! any JSON tree renders without panic, and nothing in it becomes markup, a handler or a bad link.
#![no_main]

use app::components::chat::widget::{FiredAction, WidgetView};
use app::components::markdown::safe_url;
use leptos::prelude::*;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Tags no widget may produce, whatever its JSON says.
const FORBIDDEN: &[&str] = &[
    "script", "iframe", "img", "object", "embed", "style", "link", "meta", "base", "svg", "math",
    "frame", "frameset", "template", "video", "audio", "source", "textarea", "title",
];

fuzz_target!(|data: &[u8]| {
    let Ok(widget) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let owner = Owner::new();
    let html = owner.with(|| {
        view! {
            <WidgetView widget=widget on_action=Callback::new(|_: FiredAction| {})
                busy=Signal::stored(None::<String>) locked=Signal::stored(false)/>
        }
        .to_html()
    });
    // Leptos' debug builds leave comments such as `<!--<() />-->` for an empty view: markers,
    // never user text (which is escaped), so they are dropped before tags are read.
    let mut markup = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<!--") {
        markup.push_str(&rest[..at]);
        let end = rest[at..].find("-->").expect("every comment closes");
        assert!(
            !rest[at..at + end].contains('&'),
            "escaped text inside a comment in {html:?}"
        );
        rest = &rest[at + end + 3..];
    }
    markup.push_str(rest);
    for tag in markup.split('<').skip(1) {
        let tag = &tag[..tag.find('>').expect("every tag closes")];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // Comments and hydration markers only.
            assert!(tag.starts_with('!'), "stray `<` in {html:?}");
            continue;
        }
        assert!(!FORBIDDEN.contains(&name.as_str()), "<{name}> in {html:?}");
        // Attribute names are what stands before `=` outside quotes.
        let mut quoted = false;
        let mut word = String::new();
        for c in tag[name.len()..].chars() {
            match c {
                '"' => quoted = !quoted,
                '=' if !quoted => {
                    let attr = word.trim().to_ascii_lowercase();
                    assert!(!attr.starts_with("on"), "handler {attr} in {html:?}");
                    word.clear();
                }
                ' ' if !quoted => word.clear(),
                c if !quoted => word.push(c),
                _ => {}
            }
        }
        if let Some(at) = tag.find(" href=\"") {
            let url = &tag[at + 7..];
            let url = &url[..url.find('"').expect("quoted href")];
            assert!(safe_url(url), "unsafe link {url:?} in {html:?}");
        }
    }
});
