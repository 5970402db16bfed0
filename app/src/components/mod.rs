//! Reusable views: the chat launcher and panel, icons, the theme toggle, and safe markdown.

pub mod chat;
pub mod icons;
pub mod markdown;
pub mod theme;
