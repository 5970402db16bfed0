//! `use_auto_scroll(changes)`: a scrolling list that keeps its newest entry in view, scrolled to
//! the bottom whenever `changes` changes (and when the list is mounted again).

use leptos::html;
use leptos::prelude::*;

/// The node ref to put on the scrolling element. Effects do not run during server rendering,
/// so the hook is a no-op there.
pub fn use_auto_scroll(changes: impl Track + 'static) -> NodeRef<html::Div> {
    let list = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        changes.track();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    list
}
