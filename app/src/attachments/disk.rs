//! Attachment bytes as files, `<data dir>/attachments/<user>/<id>`: the engine's
//! `AttachmentStore`, and uploads written through a `.part` file so a refused or broken upload
//! leaves nothing behind.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::{allowed_list, essence, is_allowed, is_image, preview_path, upload_path};
use crate::chatkit::store::new_id;
use crate::chatkit::types::{
    Attachment, AttachmentKind, CreateAttachmentParams, Metadata, UploadDescriptor,
};
use crate::chatkit::{AttachmentStore, ChatKitError};

/// The metadata key holding the size declared at creation.
const DECLARED_SIZE: &str = "size";

/// A part file nobody has written to for this long was left by an upload that died with its
/// process (a live one writes as the bytes arrive, or finishes, or removes it on drop).
const ABANDONED_PART: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Clone, Debug)]
pub struct DiskAttachments {
    root: PathBuf,
    max_bytes: u64,
}

impl DiskAttachments {
    pub fn new(data_dir: &Path, max_bytes: u64) -> Self {
        DiskAttachments {
            root: data_dir.join("attachments"),
            max_bytes,
        }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The file of an attachment; `None` for an id we never issue, so no path leaves the root.
    pub fn path(&self, user_id: &str, attachment_id: &str) -> Option<PathBuf> {
        let token = attachment_id.strip_prefix("atc_")?;
        let plain = !token.is_empty()
            && token.len() <= 64
            && token.bytes().all(|b| b.is_ascii_alphanumeric());
        plain.then(|| self.root.join(user_dir(user_id)).join(attachment_id))
    }

    /// The size the client declared when it created the attachment.
    pub fn declared_size(attachment: &Attachment) -> Option<u64> {
        attachment
            .metadata
            .get(DECLARED_SIZE)
            .and_then(Value::as_u64)
    }

    /// Starts receiving an attachment's bytes: at most its declared size (and never more than
    /// the limit), into a part file that only this upload holds (a second one at once is 409;
    /// the part file of an upload that died with its process is replaced).
    pub async fn begin_upload(
        &self,
        user_id: &str,
        attachment: &Attachment,
    ) -> Result<Upload, ChatKitError> {
        let dest = self
            .path(user_id, &attachment.id)
            .ok_or_else(|| ChatKitError::not_found("attachment"))?;
        let part = dest.with_extension("part");
        let dir = dest.parent().expect("a file under the root");
        tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
        if is_abandoned(&part).await {
            // Only one of two uploads replacing it at once gets to create it again.
            let _ = tokio::fs::remove_file(&part).await;
        }
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    ChatKitError::new(409, "conflict", "this attachment is already being uploaded")
                }
                _ => io_error(e),
            })?;
        let declared = Self::declared_size(attachment).unwrap_or(self.max_bytes);
        Ok(Upload {
            file: Some(file),
            part,
            dest,
            written: 0,
            limit: declared.min(self.max_bytes),
            head: Vec::new(),
            mime_type: attachment.mime_type.clone(),
            finished: false,
        })
    }
}

impl DiskAttachments {
    /// Bytes a user's attachments take on disk, uploaded and being uploaded (their quota).
    pub async fn bytes_used(&self, user_id: &str) -> Result<u64, ChatKitError> {
        let dir = self.root.join(user_dir(user_id));
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io_error(e)),
        };
        let mut total = 0;
        while let Some(entry) = entries.next_entry().await.map_err(io_error)? {
            if let Ok(meta) = entry.metadata().await {
                total += if meta.is_file() { meta.len() } else { 0 };
            }
        }
        Ok(total)
    }
}

/// A user's folder: the id itself when it is plain, else `=` and its hex (no `/` or `..` from
/// a token's `sub`, and no clash with a plain id, which never contains `=`).
fn user_dir(user_id: &str) -> String {
    let plain = !user_id.is_empty()
        && user_id.len() <= 128
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        user_id.to_string()
    } else {
        let hex: String = user_id.bytes().map(|b| format!("{b:02x}")).collect();
        format!("={hex}")
    }
}

/// Whether a part file exists and has not been written to for [`ABANDONED_PART`].
async fn is_abandoned(part: &Path) -> bool {
    let Ok(meta) = tokio::fs::metadata(part).await else {
        return false;
    };
    meta.modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|idle| idle >= ABANDONED_PART)
}

fn io_error(e: std::io::Error) -> ChatKitError {
    tracing::error!("attachment storage: {e}");
    ChatKitError::internal("attachment storage is unavailable, try again")
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

#[async_trait]
impl AttachmentStore for DiskAttachments {
    async fn create_attachment(
        &self,
        _user_id: &str,
        params: &CreateAttachmentParams,
        origin: Option<&str>,
    ) -> Result<Attachment, ChatKitError> {
        let name = params.name.trim();
        if name.is_empty() {
            return Err(ChatKitError::invalid("the file name is empty"));
        }
        if name.chars().count() > super::MAX_NAME_CHARS {
            return Err(ChatKitError::invalid(format!(
                "the file name is longer than {} characters",
                super::MAX_NAME_CHARS
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ChatKitError::invalid(
                "the file name contains control characters",
            ));
        }
        if params.size <= 0 {
            return Err(ChatKitError::too_large("the file is empty"));
        }
        let size = params.size as u64;
        if size > self.max_bytes {
            return Err(ChatKitError::too_large(format!(
                "the file is {}; the limit is {}",
                megabytes(size),
                megabytes(self.max_bytes)
            )));
        }
        let mime_type = essence(&params.mime_type);
        if !is_allowed(&mime_type) {
            return Err(ChatKitError::invalid(format!(
                "files of type '{mime_type}' are not accepted; allowed: {}",
                allowed_list()
            )));
        }
        let id = new_id("atc");
        let origin = origin.unwrap_or("").trim_end_matches('/');
        let kind = if is_image(&mime_type) {
            AttachmentKind::Image {
                preview_url: format!("{origin}{}", preview_path(&id)),
            }
        } else {
            AttachmentKind::File
        };
        let mut metadata = Metadata::new();
        metadata.insert(DECLARED_SIZE.into(), size.into());
        Ok(Attachment {
            upload_descriptor: Some(UploadDescriptor {
                url: format!("{origin}{}", upload_path(&id)),
                method: "POST".into(),
                headers: Default::default(),
            }),
            id,
            name: name.to_string(),
            mime_type,
            thread_id: None,
            kind,
            metadata,
        })
    }

    async fn delete_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<(), ChatKitError> {
        let Some(path) = self.path(user_id, attachment_id) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }
}

/// One upload in progress. Dropped before [`Upload::finish`] succeeds, its part file goes.
pub struct Upload {
    file: Option<tokio::fs::File>,
    part: PathBuf,
    dest: PathBuf,
    written: u64,
    limit: u64,
    /// The first bytes, for the format check.
    head: Vec<u8>,
    mime_type: String,
    finished: bool,
}

impl Upload {
    /// Appends a chunk; more bytes than allowed is 413 (the caller drops the upload).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ChatKitError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(ChatKitError::too_large(format!(
                "the file is larger than the {} bytes it was declared with",
                self.limit
            )));
        }
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        let file = self.file.as_mut().expect("open until finished");
        file.write_all(chunk).await.map_err(io_error)
    }

    /// Checks what arrived and moves it into place; returns the size in bytes.
    pub async fn finish(mut self) -> Result<u64, ChatKitError> {
        if self.written == 0 {
            return Err(ChatKitError::invalid("the file is empty"));
        }
        if !looks_like(&self.mime_type, &self.head) {
            return Err(ChatKitError::invalid(format!(
                "the file's contents are not {}",
                self.mime_type
            )));
        }
        let mut file = self.file.take().expect("open until finished");
        file.flush().await.map_err(io_error)?;
        file.sync_all().await.map_err(io_error)?;
        drop(file);
        tokio::fs::rename(&self.part, &self.dest)
            .await
            .map_err(io_error)?;
        self.finished = true;
        Ok(self.written)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Whether the first bytes fit the declared type (magic numbers; only formats that have one).
fn looks_like(mime_type: &str, head: &[u8]) -> bool {
    match mime_type {
        "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
        "image/webp" => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        "application/pdf" => head.starts_with(b"%PDF-"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root_whatever_the_ids() {
        let d = DiskAttachments::new(Path::new("/data"), 10);
        assert_eq!(
            d.path("u-1", "atc_0123abcd"),
            Some(PathBuf::from("/data/attachments/u-1/atc_0123abcd"))
        );
        assert_eq!(d.path("u-1", "atc_../x"), None);
        assert_eq!(d.path("u-1", "thr_0123abcd"), None);
        assert_eq!(d.path("u-1", "atc_"), None);
        assert_eq!(
            d.path("../a", "atc_1"),
            Some(PathBuf::from("/data/attachments/=2e2e2f61/atc_1"))
        );
    }

    #[test]
    fn magic_numbers_decide_for_images_and_pdf_only() {
        assert!(looks_like("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!looks_like("image/png", b"GIF89a"));
        assert!(looks_like("image/webp", b"RIFF\x10\0\0\0WEBPVP8 "));
        assert!(!looks_like("image/jpeg", b"<svg onload=alert(1)>"));
        assert!(looks_like("text/plain", b"anything"));
    }
}
