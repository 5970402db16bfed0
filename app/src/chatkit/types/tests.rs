//! Byte-for-byte checks of the wire types against the SDK's transcripts.

use serde_json::Map;

use super::*;

#[test]
fn transcript_01_user_item_round_trips_byte_for_byte() {
    let line = r#"{"id":"msg_195be3d8","thread_id":"thr_609964f5","created_at":"2026-11-21T23:11:26.128190Z","type":"user_message","content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"quoted_text":"","inference_options":{}}"#;
    let item: ThreadItem = serde_json::from_str(line).unwrap();
    assert_eq!(serde_json::to_string(&item).unwrap(), line);
}

#[test]
fn assistant_content_writes_type_last() {
    let c = AssistantMessageContent::text("Hello");
    assert_eq!(
        serde_json::to_string(&c).unwrap(),
        r#"{"annotations":[],"text":"Hello","type":"output_text"}"#
    );
}

#[test]
fn naive_timestamps_are_read_as_utc_and_whole_seconds_drop_the_fraction() {
    let t = timestamp::parse("2026-11-21T23:11:26").unwrap();
    assert_eq!(timestamp::format(&t), "2026-11-21T23:11:26Z");
    let t = timestamp::parse("2026-11-21T23:11:26.000100+00:00").unwrap();
    assert_eq!(timestamp::format(&t), "2026-11-21T23:11:26.000100Z");
}

#[test]
fn unknown_request_type_is_named_in_the_error() {
    let err = ChatKitRequest::parse(br#"{"type":"threads.explode","params":{}}"#).unwrap_err();
    assert_eq!(err, RequestError::UnknownType("threads.explode".into()));
}

#[test]
fn unknown_keys_are_ignored_and_params_are_required() {
    let ok = ChatKitRequest::parse(
        br#"{"type":"threads.list","params":{"limit":3,"extra":1},"metadata":{"x":1},"more":true}"#,
    )
    .unwrap();
    assert_eq!(
        ok,
        ChatKitRequest::ListThreads(ListParams {
            limit: Some(3),
            order: Order::Desc,
            after: None
        })
    );
    assert!(matches!(
        ChatKitRequest::parse(br#"{"type":"threads.list"}"#),
        Err(RequestError::Invalid { .. })
    ));
    assert!(matches!(
        ChatKitRequest::parse(b"{not json"),
        Err(RequestError::Malformed(_))
    ));
}

#[test]
fn attachments_write_the_sdk_field_order_and_never_their_metadata() {
    let mut a = Attachment {
        id: "atc_1".into(),
        name: "p.png".into(),
        mime_type: "image/png".into(),
        upload_descriptor: Some(UploadDescriptor {
            url: "http://h/u".into(),
            method: "POST".into(),
            headers: Map::new(),
        }),
        thread_id: Some("thr_1".into()),
        kind: AttachmentKind::Image {
            preview_url: "http://h/p".into(),
        },
        metadata: Map::new(),
    };
    a.metadata.insert("size".into(), 3.into());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"id":"atc_1","name":"p.png","mime_type":"image/png","upload_descriptor":{"url":"http://h/u","method":"POST","headers":{}},"thread_id":"thr_1","type":"image","preview_url":"http://h/p"}"#
    );
    let lax = ChatKitRequest::parse(
        br#"{"type":"attachments.create","params":{"name":"p.png","size":"2048","mime_type":"image/png"}}"#,
    )
    .unwrap();
    assert!(matches!(lax, ChatKitRequest::CreateAttachment(p) if p.size == 2048));
}

#[test]
fn requests_serialize_in_the_wire_envelope() {
    let req = ChatKitRequest::GetThread(ThreadIdParams {
        thread_id: "thr_1".into(),
    });
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"type":"threads.get_by_id","params":{"thread_id":"thr_1"}}"#
    );
}

#[test]
fn the_request_table_gives_each_type_its_wire_name_and_six_start_a_turn() {
    assert_eq!(
        ChatKitRequest::STREAMING_TYPES,
        [
            "threads.create",
            "threads.add_user_message",
            "threads.add_client_tool_output",
            "threads.add_structured_input",
            "threads.retry_after_item",
            "threads.custom_action",
        ]
    );
    assert_eq!(ChatKitRequest::TYPES.len(), 18);
    let resume =
        ChatKitRequest::parse(br#"{"type":"todokit.threads.resume","params":{"thread_id":"t"}}"#)
            .unwrap();
    assert_eq!(resume.kind(), "todokit.threads.resume");
    assert!(!resume.starts_turn());
    let create = ChatKitRequest::CreateThread(CreateThreadParams {
        input: UserMessageInput::text("hi"),
    });
    assert!(create.starts_turn());
    let wire = serde_json::to_value(&create).unwrap();
    assert_eq!(wire["type"], create.kind());
    assert_eq!(
        ChatKitRequest::parse(&serde_json::to_vec(&wire).unwrap()).unwrap(),
        create
    );
}

#[test]
fn transcribe_audio_is_standard_base64_with_padding() {
    let encoded = |bytes: &[u8]| TranscribeParams::new(bytes, "audio/webm").audio_base64;
    assert_eq!(encoded(b""), "");
    assert_eq!(encoded(b"f"), "Zg==");
    assert_eq!(encoded(b"fo"), "Zm8=");
    assert_eq!(encoded(b"foo"), "Zm9v");
    assert_eq!(encoded(b"\xff\xfe\x00speech"), "//4Ac3BlZWNo");
    let params = TranscribeParams::new(b"\xff\xfe\x00speech", "audio/webm");
    assert_eq!(params.audio().unwrap(), b"\xff\xfe\x00speech");
    let bad = TranscribeParams {
        audio_base64: "***".into(),
        mime_type: "audio/wav".into(),
    };
    assert_eq!(bad.audio(), None);
}
