//! Markdown for untrusted text (model output, task descriptions): raw HTML is shown as text,
//! images become links, only http(s)/mailto links survive; a streaming answer shows no half-written markup.

use leptos::prelude::*;
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::i18n::{use_i18n, Key};

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
    render(src, None)
}

/// The copy button put before each code block (its clicks are handled by the chat panel).
const COPY_ICON: &str = r#"<svg class="ico" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M9 9h11v11H9zM5 15H4V4h11v1"/></svg>"#;

/// `render_markdown`, with a "copy code" button labelled `copy_label` on each code block.
fn render(src: &str, copy_label: Option<&str>) -> String {
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
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    // Our own markup around code blocks, added after the untrusted HTML became text.
    let events = events.flat_map(|ev| {
        let (before, after) = match (&ev, copy_label) {
            (Event::Start(Tag::CodeBlock(_)), Some(label)) => (
                Some(Event::Html(
                    format!(
                        r#"<div class="code-block"><button type="button" class="icon code-copy" aria-label="{}" title="{}">{COPY_ICON}</button>"#,
                        escape(label),
                        escape(label)
                    )
                    .into(),
                )),
                None,
            ),
            (Event::End(TagEnd::CodeBlock), Some(_)) => (None, Some(Event::Html("</div>".into()))),
            _ => (None, None),
        };
        before.into_iter().chain(std::iter::once(ev)).chain(after)
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A streaming answer split into what is safe to render now and a plain-text tail: complete
/// lines only (an open code fence is closed, a table's lone header row waits for its
/// delimiter row), the line being written without its markup characters.
pub fn streaming_parts(src: &str) -> (String, String) {
    let cut = src.rfind('\n').map_or(0, |i| i + 1);
    let (done, tail) = src.split_at(cut);
    let fences = done
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("```") || l.starts_with("~~~")
        })
        .count();
    if fences % 2 == 1 {
        // Inside a code block: the partial line is code, shown as it comes.
        return (format!("{done}{tail}\n```"), String::new());
    }
    let mut done = done.to_string();
    let lines: Vec<&str> = done.lines().collect();
    let table_rows = lines
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with('|'))
        .count();
    if table_rows == 1 {
        let keep: usize = lines[..lines.len() - 1].iter().map(|l| l.len() + 1).sum();
        done.truncate(keep);
    }
    let tail = if tail.trim_start().starts_with('|') {
        String::new()
    } else {
        let tail = match tail.find("](") {
            Some(i) if !tail[i..].contains(')') => &tail[..i],
            _ => tail,
        };
        tail.trim_start_matches(['#', '>', ' '])
            .chars()
            .filter(|c| !matches!(c, '*' | '_' | '`' | '~' | '[' | ']'))
            .collect()
    };
    (done, tail)
}

/// Safe markdown; while `streaming`, only `streaming_parts` (the tail as plain text).
#[component]
pub fn Markdown(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] streaming: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let html = move || {
        let label = i18n.t(Key::CopyCode);
        text.with(|src| match streaming.get() {
            false => render(src, Some(label)),
            true => {
                let (done, tail) = streaming_parts(src);
                let mut out = render(&done, Some(label));
                if !tail.is_empty() {
                    out.push_str(&format!(r#"<p class="md-tail">{}</p>"#, escape(&tail)));
                }
                out
            }
        })
    };
    // The code blocks' copy buttons are markup in the HTML: one delegated click handler.
    let copy_code = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let button = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest(".code-copy").ok().flatten());
            let code = button
                .and_then(|b| b.parent_element())
                .and_then(|block| block.query_selector("pre").ok().flatten())
                .and_then(|pre| pre.text_content());
            if let Some(code) = code {
                crate::hooks::use_clipboard::copy_to_clipboard(&code);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! { <div class="markdown" dir="auto" inner_html=html on:click=copy_code></div> }
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
    fn code_blocks_get_a_copy_button_and_stay_escaped() {
        let out = super::render("```\n<b>x</b>\n```", Some("Copy \"code\""));
        assert!(
            out.starts_with(r#"<div class="code-block"><button"#),
            "{out}"
        );
        assert!(
            out.contains(r#"aria-label="Copy &quot;code&quot;""#),
            "{out}"
        );
        assert!(out.contains("&lt;b&gt;x&lt;/b&gt;"), "{out}");
        assert!(out.trim_end().ends_with("</div>"), "{out}");
    }

    #[test]
    fn streaming_shows_no_half_written_markup() {
        use super::streaming_parts;
        // An open fence is closed, so the code shows as code from its first line.
        let (done, tail) = streaming_parts("Here:\n```\nlet x = 1;\nlet y");
        assert_eq!(done, "Here:\n```\nlet x = 1;\nlet y\n```");
        assert_eq!(tail, "");
        // The line being written loses its markup characters until it is complete.
        let (done, tail) = streaming_parts("Intro\nThis is **bo");
        assert_eq!((done.as_str(), tail.as_str()), ("Intro\n", "This is bo"));
        // A half link shows only its text so far.
        assert_eq!(streaming_parts("see [docs](http://ex").1, "see docs");
        // A table's header row alone waits for the delimiter row; partial rows never show.
        assert_eq!(streaming_parts("| a | b |\n| -").0, "");
        assert_eq!(
            streaming_parts("| a | b |\n|---|---|\n| 1 | 2").0,
            "| a | b |\n|---|---|\n"
        );
    }

    #[test]
    fn tables_lists_and_links_render() {
        let out =
            render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n- y\n\n[t](https://ex.com)");
        assert!(
            out.contains("<table>") && out.contains("<td>1</td>"),
            "{out}"
        );
        assert!(out.contains("<ul>") && out.contains("<li>x</li>"), "{out}");
        assert!(out.contains(r#"<a href="https://ex.com">t</a>"#), "{out}");
    }

    #[test]
    fn ordinary_markdown_renders() {
        assert!(render_markdown("**Buy milk**").contains("<strong>Buy milk</strong>"));
    }
}
