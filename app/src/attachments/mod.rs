//! Chat attachments: the routes their bytes go to and come from, the types we accept, and (on
//! the server) the files behind the engine's `AttachmentStore`.

#[cfg(feature = "ssr")]
mod disk;
#[cfg(feature = "ssr")]
pub use disk::{DiskAttachments, Upload};

/// Images get a preview, and their bytes must start like the declared format.
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
pub const FILE_TYPES: [&str; 5] = [
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
];
pub const MAX_NAME_CHARS: usize = 255;

/// Where the client POSTs the bytes (multipart, field `file`).
pub fn upload_path(id: &str) -> String {
    format!("/api/chatkit/attachments/{id}/upload")
}

/// Where the owner reads the bytes back: inline for images, as a download otherwise.
pub fn preview_path(id: &str) -> String {
    format!("/api/chatkit/attachments/{id}/preview")
}

/// A MIME type without parameters, lower-cased: `Text/Plain; charset=utf-8` → `text/plain`.
pub fn essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub fn is_image(mime: &str) -> bool {
    IMAGE_TYPES.contains(&mime)
}

pub fn is_allowed(mime: &str) -> bool {
    is_image(mime) || FILE_TYPES.contains(&mime)
}

/// Every accepted type, comma-separated (a file input's `accept`, and error messages).
pub fn allowed_list() -> String {
    IMAGE_TYPES
        .iter()
        .chain(FILE_TYPES.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_case_are_dropped_from_a_mime_type() {
        assert_eq!(essence("Text/Plain; charset=utf-8"), "text/plain");
        assert!(is_allowed(&essence("text/markdown;charset=UTF-8")));
        assert!(!is_allowed("image/svg+xml"));
        assert!(is_image("image/webp") && !is_image("application/pdf"));
    }
}
