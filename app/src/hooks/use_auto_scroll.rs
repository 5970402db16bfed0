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
    follow_growth(auto);
    auto
}

/// Content can grow after the change that caused it (a widget renders, a finished answer gets
/// its actions): a `MutationObserver` on the list keeps following while pinned.
fn follow_growth(auto: AutoScroll) {
    #[cfg(feature = "hydrate")]
    {
        use std::cell::RefCell;
        use std::rc::Rc;
        use wasm_bindgen::{closure::Closure, JsCast};
        type Observing = Option<(web_sys::MutationObserver, Closure<dyn FnMut()>)>;
        let held: Rc<RefCell<Observing>> = Rc::default();
        let slot = send_wrapper::SendWrapper::new(held.clone());
        Effect::new(move |_| {
            let Some(el) = auto.list.get() else {
                return;
            };
            let follow = Closure::<dyn FnMut()>::new(move || {
                if let Some(el) = auto.list.get_untracked() {
                    if auto.pinned.get_untracked() {
                        el.set_scroll_top(el.scroll_height());
                    }
                }
            });
            let Ok(observer) = web_sys::MutationObserver::new(follow.as_ref().unchecked_ref())
            else {
                return;
            };
            let init = web_sys::MutationObserverInit::new();
            init.set_child_list(true);
            init.set_subtree(true);
            init.set_character_data(true);
            let _ = observer.observe_with_options(&el, &init);
            if let Some((old, _)) = slot.replace(Some((observer, follow))) {
                old.disconnect();
            }
        });
        // Browser objects are not Send; the cleanup runs on the same (only) thread.
        let held = send_wrapper::SendWrapper::new(held);
        on_cleanup(move || {
            if let Some((observer, _)) = held.borrow_mut().take() {
                observer.disconnect();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = auto;
}
