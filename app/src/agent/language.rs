//! Which language a message is in (English, Urdu script, Roman Urdu), its normalized form, and
//! a plain "yes": shared by the offline assistant and the task widgets.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    English,
    Urdu,
    RomanUrdu,
}

const ROMAN_MARKERS: &[&str] = &[
    "karo", "kardo", "kar", "do", "dikhao", "dikha", "meri", "mera", "mere", "hai", "hain", "kya",
    "baqi", "baki", "aaj", "kal", "parson", "shamil", "mukammal", "hatao", "hata", "kaam", "batao",
    "khatam", "wala", "wali", "ko", "ka", "ki", "naam", "rakho", "haan", "nahi", "nahin", "doosra",
    "dusra", "pehla", "teesra", "gaya", "lo", "likho", "daalo", "zaroori", "fori",
];

/// The language a message is written in: Urdu script, Roman Urdu (by its marker words), or
/// English.
/// Whether the panel's language (the request's `Accept-Language`) is Urdu.
pub fn urdu_ui(locale: Option<&str>) -> bool {
    locale.is_some_and(|l| l.starts_with("ur"))
}

pub fn language(text: &str) -> Lang {
    if text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
        return Lang::Urdu;
    }
    let lower = text.to_lowercase();
    let hits = words(&lower)
        .iter()
        .filter(|w| ROMAN_MARKERS.contains(&w.as_str()))
        .count();
    // "do" alone is English too; two markers, or one unambiguous one, make it Roman Urdu.
    let strong = words(&lower).iter().any(|w| {
        ROMAN_MARKERS.contains(&w.as_str())
            && !["do", "ko", "lo", "kar", "hai"].contains(&w.as_str())
    });
    if strong || hits >= 2 {
        Lang::RomanUrdu
    } else {
        Lang::English
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Lowercase, ASCII digits for Urdu/Arabic-Indic ones, diacritics removed, end punctuation gone.
pub fn normalize(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = match c {
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            // Arabic harakat and the superscript alef: not part of the word's identity.
            '\u{064B}'..='\u{065F}' | '\u{0670}' => continue,
            'ي' => 'ی',
            'ك' => 'ک',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'á' | 'à' | 'â' | 'ä' => 'a',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            '’' | '‘' => '\'',
            _ => c,
        };
        out.extend(c.to_lowercase());
    }
    let out = out.replace(['،', ','], " ");
    out.trim()
        .trim_end_matches(['.', '!', '?', '؟', '۔'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "confirm",
    "yes delete it",
    "do it",
    "haan",
    "han",
    "haan ji",
    "ji haan",
    "ji",
    "jee",
    "theek hai",
    "ہاں",
    "جی",
    "جی ہاں",
    "ہاں جی",
    "ٹھیک ہے",
];
/// Whether a message is a plain "yes" (any of our languages).
pub fn is_yes(text: &str) -> bool {
    YES.contains(&normalize(text).as_str())
}
