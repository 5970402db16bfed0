//! `use_auto_scroll(changes)`: a scrolling list that keeps its newest entry in view while the
//! user is at the bottom, stops following when they scroll up, and can jump back down.

use leptos::html;
use leptos::prelude::*;

/// How close to the bottom (px) still counts as "at the bottom".
const SLACK: i32 = 48;

#[derive(Clone, Copy)]
pub struct AutoScroll {
    /// The node ref to put on the scrolling element.
    pub list: NodeRef<html::Div>,
    /// Whether the list follows new entries (the user is at the bottom).
    pub pinned: RwSignal<bool>,
}

impl AutoScroll {
    /// For the list's `scroll` event: follow again only at the bottom.
    pub fn on_scroll(self) {
        if let Some(el) = self.list.get_untracked() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            self.pinned.set(gap <= SLACK);
        }
    }

    /// "Jump to latest": scroll down and follow again.
    pub fn jump(self) {
        self.pinned.set(true);
        if let Some(el) = self.list.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    }
}

/// Scrolls to the bottom whenever `changes` changes while pinned (and when the list is mounted
/// again). Effects do not run during server rendering, so the hook is a no-op there.
pub fn use_auto_scroll(changes: impl Track + 'static) -> AutoScroll {
    let auto = AutoScroll {
        list: NodeRef::new(),
        pinned: RwSignal::new(true),
    };
    Effect::new(move |_| {
        changes.track();
        if let Some(el) = auto.list.get() {
            if auto.pinned.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        }
    });
    auto
}
