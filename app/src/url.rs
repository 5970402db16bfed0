//! Building our own links: percent-encoding for a query value (tags, `next=` paths).

/// Percent-encodes everything but unreserved characters and `/` (kept for readable paths).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_and_non_ascii_bytes_are_escaped() {
        assert_eq!(
            super::encode("/tasks?status=done"),
            "/tasks%3Fstatus%3Ddone"
        );
        assert_eq!(super::encode("a&b #c"), "a%26b%20%23c");
        assert_eq!(super::encode("گھر"), "%DA%AF%DA%BE%D8%B1");
    }
}
