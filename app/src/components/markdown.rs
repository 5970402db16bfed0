//! Markdown for untrusted text (model output, task descriptions): raw HTML is shown as text,
//! images become links, and only http(s)/mailto links survive.

use leptos::prelude::*;
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// Links we let through: http(s), mailto, and same-site paths or fragments.
pub fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("http://")
        || u.starts_with("https://")
        || u.starts_with("mailto:")
        || u.starts_with('/')
        || u.starts_with('#')
}

/// Renders markdown to HTML that is safe to inject.
pub fn render_markdown(src: &str) -> String {
    let opts = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(src, opts).map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        // Images could fetch arbitrary URLs: show them as links instead.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        Event::End(pulldown_cmark::TagEnd::Image) => Event::End(pulldown_cmark::TagEnd::Link),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[component]
pub fn Markdown(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <div class="markdown" inner_html=move || render_markdown(&text.get())></div> }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn raw_html_is_escaped() {
        let out = render_markdown("hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn javascript_links_are_neutralised() {
        let out = render_markdown("[x](javascript:alert(1)) ![i](http://evil/x.png)");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(!out.contains("<img"), "{out}");
    }

    #[test]
    fn ordinary_markdown_renders() {
        assert!(render_markdown("**Buy milk**").contains("<strong>Buy milk</strong>"));
    }
}
