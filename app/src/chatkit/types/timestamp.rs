//! Timestamps: written like pydantic writes an aware UTC datetime (`…T…[.ffffff]Z`), read from
//! any ISO-8601 form (with or without offset) or a unix timestamp, as pydantic accepts.

use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{de::Error, Deserialize, Deserializer, Serializer};

pub fn format(t: &DateTime<Utc>) -> String {
    if t.nanosecond() / 1000 == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(f64),
    }
    match Raw::deserialize(d)? {
        Raw::Text(s) => parse(&s).ok_or_else(|| D::Error::custom("invalid datetime")),
        Raw::Number(n) => DateTime::from_timestamp_micros((n * 1e6) as i64)
            .ok_or_else(|| D::Error::custom("invalid timestamp")),
    }
}
