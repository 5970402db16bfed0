//! Fuzzes the ChatKit request parser: any body is a request or a clear error, never a panic,
//! and a parsed request serializes back to a body that parses to the same request.
#![no_main]

use app::chatkit::types::ChatKitRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(request) = ChatKitRequest::parse(body) {
        let again = serde_json::to_vec(&request).expect("a parsed request serializes");
        let reparsed = ChatKitRequest::parse(&again).expect("a serialized request parses");
        assert_eq!(reparsed, request, "the request survives a round trip");
    }
});
