//! The UI's icons: small inline SVGs drawn with `currentColor` (no icon font, no emoji: Debian's
//! Chromium has no emoji font). Decorative only; the button around one carries its name.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Chat,
    Paperclip,
    Send,
    Stop,
    Mic,
    Copy,
    Check,
    Retry,
    ThumbUp,
    ThumbDown,
    Edit,
    Close,
    Plus,
    Search,
    Theme,
    Language,
    History,
    Trash,
    File,
    ArrowDown,
}

impl Icon {
    /// One path on a 24×24 grid, stroked.
    fn path(self) -> &'static str {
        match self {
            Icon::Chat => "M4 5h16v11H10l-6 4z",
            Icon::Paperclip => {
                "M16 7l-7.5 7.5a2.1 2.1 0 003 3L19 10a4 4 0 00-6-6l-8 8a6 6 0 008.5 8.5L20 14"
            }
            Icon::Send => "M4 12l16-8-6 16-2.5-6.5zM11.5 13.5L20 4",
            Icon::Stop => "M7 7h10v10H7z",
            Icon::Mic => "M12 3a3 3 0 013 3v6a3 3 0 01-6 0V6a3 3 0 013-3zM5 11a7 7 0 0014 0M12 18v3",
            Icon::Copy => "M9 9h11v11H9zM5 15H4V4h11v1",
            Icon::Check => "M5 12l5 5 9-10",
            Icon::Retry => "M4 12a8 8 0 102.3-5.7M4 4v5h5",
            Icon::ThumbUp => "M7 10v10H4V10zM7 10l4-7a2 2 0 012 2v4h6a2 2 0 012 2.3l-1.4 7a2 2 0 01-2 1.7H7",
            Icon::ThumbDown => {
                "M17 14V4h3v10zM17 14l-4 7a2 2 0 01-2-2v-4H5a2 2 0 01-2-2.3l1.4-7A2 2 0 016.4 4H17"
            }
            Icon::Edit => "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
            Icon::Close => "M6 6l12 12M18 6L6 18",
            Icon::Plus => "M12 5v14M5 12h14",
            Icon::Search => "M11 4a7 7 0 110 14 7 7 0 010-14zM16 16l4 4",
            Icon::Theme => "M20 14A8 8 0 1110 4a6 6 0 0010 10z",
            Icon::Language => {
                "M12 3a9 9 0 110 18 9 9 0 010-18zM3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18"
            }
            Icon::History => "M4 6h16M4 12h16M4 18h10",
            Icon::Trash => "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
            Icon::File => "M6 3h8l4 4v14H6zM14 3v4h4",
            Icon::ArrowDown => "M12 5v14M6 13l6 6 6-6",
        }
    }
}

/// The icon as an `<svg>`, hidden from screen readers.
pub fn icon(i: Icon) -> impl IntoView {
    view! {
        <svg class="ico" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=i.path()/>
        </svg>
    }
}
