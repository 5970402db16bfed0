//! Speech to text for `input.transcribe`: an OpenAI-compatible `/audio/transcriptions`
//! endpoint (OpenAI, a local faster-whisper or whisper.cpp server), when one is configured.

use std::time::Duration;

use serde::Deserialize;

use crate::chatkit::ChatKitError;

/// Where transcription lives, from `TRANSCRIBE_BASE_URL`, `TRANSCRIBE_API_KEY` and
/// `TRANSCRIBE_MODEL`.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscribeSettings {
    /// Up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    pub timeout: Duration,
}

/// Audio larger than this is refused before it is sent (OpenAI's own limit is 25 MB).
pub const MAX_AUDIO_BYTES: usize = 25 * 1024 * 1024;

pub struct Transcriber {
    http: reqwest::Client,
    settings: TranscribeSettings,
}

#[derive(Deserialize)]
struct Transcription {
    text: String,
}

impl Transcriber {
    pub fn new(settings: TranscribeSettings) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(settings.timeout)
            .build()
            .expect("the HTTP client builds");
        Transcriber { http, settings }
    }

    /// The text of `audio`; `language` (an ISO 639-1 code) helps short clips.
    pub async fn transcribe(
        &self,
        audio: Vec<u8>,
        mime_type: &str,
        language: Option<&str>,
    ) -> Result<String, ChatKitError> {
        if audio.is_empty() {
            return Err(ChatKitError::invalid("the audio is empty"));
        }
        if audio.len() > MAX_AUDIO_BYTES {
            return Err(ChatKitError::too_large(format!(
                "the audio is {} bytes; the limit is {MAX_AUDIO_BYTES}",
                audio.len()
            )));
        }
        if !mime_type.starts_with("audio/") && !mime_type.starts_with("video/") {
            return Err(ChatKitError::invalid(format!(
                "'{mime_type}' is not an audio type"
            )));
        }
        // The server reads the format from the file name's extension.
        let file = reqwest::multipart::Part::bytes(audio)
            .file_name(format!("speech.{}", extension(mime_type)))
            .mime_str(mime_type)
            .map_err(|_| ChatKitError::invalid(format!("'{mime_type}' is not a MIME type")))?;
        let mut form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("model", self.settings.model.clone());
        if let Some(lang) = language {
            form = form.text("language", lang.to_string());
        }
        let url = format!(
            "{}/audio/transcriptions",
            self.settings.base_url.trim_end_matches('/')
        );
        let mut req = self.http.post(url).multipart(form);
        if let Some(key) = &self.settings.api_key {
            req = req.bearer_auth(key);
        }
        let unavailable = |detail: String| {
            tracing::warn!("transcription failed: {detail}");
            ChatKitError::unavailable("Speech input is unavailable right now. Please try again.")
        };
        let res = req.send().await.map_err(|e| unavailable(e.to_string()))?;
        let status = res.status();
        if !status.is_success() {
            let body: String = res.text().await.unwrap_or_default();
            return Err(unavailable(format!(
                "HTTP {status}: {}",
                body.chars().take(300).collect::<String>()
            )));
        }
        let out: Transcription = res
            .json()
            .await
            .map_err(|e| unavailable(format!("unreadable answer: {e}")))?;
        Ok(out.text.trim().to_string())
    }
}

/// A file extension the transcription servers recognise for `mime_type`.
fn extension(mime_type: &str) -> &'static str {
    match mime_type {
        "audio/webm" | "video/webm" => "webm",
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "video/mp4" => "m4a",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/flac" | "audio/x-flac" => "flac",
        _ => "webm",
    }
}
