//! The UI's own words in English and Urdu: one table (`Key` → both languages), a locale context
//! (`provide_i18n`, `use_i18n`, `I18n::t`) that follows the browser or the user's choice.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    En,
    Ur,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ur => "ur",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Locale::En => "ltr",
            Locale::Ur => "rtl",
        }
    }

    /// A BCP 47 tag (`navigator.language`, a stored choice) → the closest locale we have.
    pub fn from_tag(tag: &str) -> Locale {
        match tag.to_ascii_lowercase().split(['-', '_']).next() {
            Some("ur") => Locale::Ur,
            _ => Locale::En,
        }
    }
}

/// Every string the panel shows; `{name}` and `{n}` are filled in by `I18n::fill`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    OpenChat,
    CloseChat,
    Chat,
    NewChat,
    History,
    DarkTheme,
    Language,
    Hello,
    HelloName,
    StartHint,
    Suggestions,
    ChipTasks,
    ChipToday,
    ChipOverdue,
    ChipLeft,
    Message,
    Send,
    Stop,
    Attach,
    Attachments,
    Remove,
    Uploading,
    Speak,
    StopRecording,
    Transcribing,
    Copy,
    Copied,
    CopyCode,
    Retry,
    GoodAnswer,
    BadAnswer,
    Edit,
    Editing,
    Cancel,
    Thinking,
    JumpToLatest,
    CutOff,
    ErrGeneric,
    ErrSession,
    SignInAgain,
    ErrSlowDown,
    ErrOffline,
    ErrServer,
    WaitUploads,
    SearchChats,
    NoChats,
    Untitled,
    Rename,
    ThreadTitle,
    Delete,
    ConfirmDelete,
    Keep,
    Commands,
    CmdToday,
    CmdOverdue,
    CmdTasks,
    CmdNew,
    MessageActions,
}

/// The table: (English, Urdu).
fn text(key: Key) -> (&'static str, &'static str) {
    use Key::*;
    match key {
        OpenChat => ("Open chat", "چیٹ کھولیں"),
        CloseChat => ("Close chat", "چیٹ بند کریں"),
        Chat => ("Chat", "چیٹ"),
        NewChat => ("New chat", "نئی چیٹ"),
        History => ("History", "پچھلی گفتگو"),
        DarkTheme => ("Dark theme", "گہری تھیم"),
        Language => ("Language: English", "زبان: اردو"),
        Hello => ("Hello!", "السلام علیکم!"),
        HelloName => ("Hello, {name}!", "السلام علیکم، {name}!"),
        StartHint => (
            "Ask me to add, list, complete or delete tasks.",
            "مجھ سے کام شامل کرنے، دکھانے، مکمل کرنے یا حذف کرنے کو کہیں۔",
        ),
        Suggestions => ("Suggestions", "تجاویز"),
        ChipTasks => ("Show me my tasks", "میرے کام دکھاؤ"),
        ChipToday => ("What's due today?", "آج کے کام دکھاؤ"),
        ChipOverdue => ("What's overdue?", "گزرے ہوئے کام دکھاؤ"),
        ChipLeft => ("What's left?", "کیا باقی ہے؟"),
        Message => ("Message", "پیغام"),
        Send => ("Send", "بھیجیں"),
        Stop => ("Stop", "روکیں"),
        Attach => ("Attach a file", "فائل منسلک کریں"),
        Attachments => ("Attachments", "منسلک فائلیں"),
        Remove => ("Remove {name}", "{name} ہٹائیں"),
        Uploading => ("uploading…", "اپ لوڈ ہو رہی ہے…"),
        Speak => ("Speak", "بولیں"),
        StopRecording => ("Stop recording", "ریکارڈنگ روکیں"),
        Transcribing => ("Transcribing", "لکھا جا رہا ہے"),
        Copy => ("Copy", "کاپی کریں"),
        Copied => ("Copied", "کاپی ہو گیا"),
        CopyCode => ("Copy code", "کوڈ کاپی کریں"),
        Retry => ("Retry", "دوبارہ کوشش کریں"),
        GoodAnswer => ("Good answer", "اچھا جواب"),
        BadAnswer => ("Bad answer", "برا جواب"),
        Edit => ("Edit", "ترمیم کریں"),
        Editing => (
            "Editing your last message: change it and send.",
            "آخری پیغام میں ترمیم: بدل کر بھیجیں۔",
        ),
        Cancel => ("Cancel", "منسوخ کریں"),
        Thinking => ("Thinking…", "سوچ رہا ہوں…"),
        JumpToLatest => ("Jump to latest", "تازہ ترین پر جائیں"),
        CutOff => ("This reply was cut off.", "یہ جواب ادھورا رہ گیا۔"),
        ErrGeneric => (
            "Something went wrong. Please try again.",
            "کچھ غلط ہو گیا۔ دوبارہ کوشش کریں۔",
        ),
        ErrSession => (
            "Your session has ended. Sign in again: your message is kept.",
            "آپ کا سیشن ختم ہو گیا۔ دوبارہ سائن ان کریں: آپ کا پیغام محفوظ ہے۔",
        ),
        SignInAgain => ("Sign in again", "دوبارہ سائن ان کریں"),
        ErrSlowDown => (
            "Slow down: try again in {n} s.",
            "ذرا آہستہ: {n} سیکنڈ بعد دوبارہ کوشش کریں۔",
        ),
        ErrOffline => (
            "You are offline or the server did not answer.",
            "آپ آف لائن ہیں یا سرور نے جواب نہیں دیا۔",
        ),
        ErrServer => (
            "The server had a problem ({n}).",
            "سرور میں مسئلہ ہوا ({n})۔",
        ),
        WaitUploads => (
            "Please wait until the files are uploaded.",
            "فائلیں اپ لوڈ ہونے تک انتظار کریں۔",
        ),
        SearchChats => ("Search chats", "گفتگو تلاش کریں"),
        NoChats => ("No conversations yet.", "ابھی کوئی گفتگو نہیں۔"),
        Untitled => ("Untitled", "بلا عنوان"),
        Rename => ("Rename", "نام بدلیں"),
        ThreadTitle => ("Thread title", "گفتگو کا عنوان"),
        Delete => ("Delete", "حذف کریں"),
        ConfirmDelete => ("Delete this chat?", "یہ گفتگو حذف کریں؟"),
        Keep => ("Keep", "رہنے دیں"),
        Commands => ("Commands", "کمانڈز"),
        CmdToday => ("Tasks due today", "آج کے کام"),
        CmdOverdue => ("Overdue tasks", "گزرے ہوئے کام"),
        CmdTasks => ("All my tasks", "میرے سب کام"),
        CmdNew => ("Start a new chat", "نئی چیٹ شروع کریں"),
        MessageActions => ("Answer tools", "جواب کے اختیارات"),
    }
}

/// The locale in force, as a context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

#[cfg(feature = "hydrate")]
const STORAGE_KEY: &str = "todokit.locale";

impl I18n {
    /// The string for `key` in the current locale (tracked).
    pub fn t(&self, key: Key) -> &'static str {
        let (en, ur) = text(key);
        match self.locale.get() {
            Locale::En => en,
            Locale::Ur => ur,
        }
    }

    /// `t(key)` with `{name}` / `{n}` replaced.
    pub fn fill(&self, key: Key, placeholder: &str, value: &str) -> String {
        self.t(key).replace(placeholder, value)
    }

    /// The user's choice: applied and remembered.
    pub fn choose(&self, locale: Locale) {
        self.locale.set(locale);
        #[cfg(feature = "hydrate")]
        crate::hooks::use_local_storage::store_item(STORAGE_KEY, Some(locale.code()));
    }
}

/// Provides the locale: English while rendering on the server and hydrating (so the markup
/// matches), then the remembered choice or the browser's language; `<html lang dir>` follow.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        locale: RwSignal::new(Locale::En),
    };
    provide_context(i18n);
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            let stored = crate::hooks::use_local_storage::stored_item(STORAGE_KEY);
            let tag = stored.or_else(|| window().navigator().language());
            i18n.locale.set(Locale::from_tag(&tag.unwrap_or_default()));
        }
        let locale = i18n.locale.get();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", locale.code());
            let _ = html.set_attribute("dir", locale.dir());
        }
    });
    i18n
}

/// The locale context; English when none was provided (unit tests rendering a component).
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(|| I18n {
        locale: RwSignal::new(Locale::En),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_tags_pick_the_closest_locale() {
        assert_eq!(Locale::from_tag("ur-PK"), Locale::Ur);
        assert_eq!(Locale::from_tag("UR"), Locale::Ur);
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
        assert_eq!(Locale::from_tag("fr"), Locale::En);
    }

    #[test]
    fn every_key_has_both_languages() {
        for key in [
            Key::HelloName,
            Key::ErrSlowDown,
            Key::Remove,
            Key::ChipTasks,
        ] {
            let (en, ur) = text(key);
            assert!(!en.is_empty() && !ur.is_empty() && en != ur, "{key:?}");
        }
    }
}
