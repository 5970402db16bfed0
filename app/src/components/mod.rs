//! Reusable views: the chat launcher and panel, and safe markdown.

pub mod chat;
pub mod markdown;
