//! The UI's own words in English and Urdu: one table (`Key` → both languages) and a locale
//! context (`provide_i18n`, `use_i18n`, `I18n::t`). The server picks the locale of each request
//! (the `todokit_locale` cookie, else `Accept-Language`) and renders `<html lang dir>` with it;
//! the browser starts from that `lang`, so hydration renders the same words.

use leptos::prelude::*;

use crate::error::AppError;

/// The cookie that holds the user's choice (`en` / `ur`), set by the panel's language switch.
pub const LOCALE_COOKIE: &str = "todokit_locale";

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

    /// A BCP 47 tag (`<html lang>`, the cookie) → the closest locale we have, else English.
    pub fn from_tag(tag: &str) -> Locale {
        Locale::supported(tag).unwrap_or(Locale::En)
    }

    /// The locale a tag names, when we have it (`ur-PK` → Urdu, `fr` → none).
    pub fn supported(tag: &str) -> Option<Locale> {
        match tag.trim().to_ascii_lowercase().split(['-', '_']).next() {
            Some("ur") => Some(Locale::Ur),
            Some("en") => Some(Locale::En),
            _ => None,
        }
    }

    /// A request's locale: the cookie if it names one we have, else the first supported tag of
    /// `Accept-Language` (in the order sent), else English.
    #[cfg(feature = "ssr")]
    pub fn of_request(headers: &http::HeaderMap) -> Locale {
        let chosen =
            crate::auth::request_cookie(headers, LOCALE_COOKIE).and_then(|c| Locale::supported(&c));
        let accepted = || {
            headers
                .get_all(http::header::ACCEPT_LANGUAGE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|t| t.split(';').next())
                .find_map(Locale::supported)
        };
        chosen.or_else(accepted).unwrap_or(Locale::En)
    }

    /// The string for `key` in this locale.
    pub fn t(self, key: Key) -> &'static str {
        let (en, ur) = text(key);
        match self {
            Locale::En => en,
            Locale::Ur => ur,
        }
    }

    /// `t(key)` with `placeholder` replaced by `value`.
    pub fn fill(self, key: Key, placeholder: &str, value: &str) -> String {
        self.t(key).replace(placeholder, value)
    }
}

/// The locale of the request being served (English outside a request).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use_context::<http::request::Parts>().map_or(Locale::En, |p| Locale::of_request(&p.headers))
}

/// Every string the UI shows, `Key` → (English, Urdu), written once: the macro makes the enum,
/// `Key::ALL` and the table from it, so no key can lack a language. `{name}`, `{n}` and the like
/// are filled in by `I18n::fill`.
macro_rules! table {
    ($($(#[$doc:meta])* $key:ident => ($en:expr, $ur:expr $(,)?),)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Key {
            $($(#[$doc])* $key,)*
        }

        impl Key {
            /// Every key, in table order.
            pub const ALL: &'static [Key] = &[$(Key::$key,)*];
        }

        /// The table: (English, Urdu).
        fn text(key: Key) -> (&'static str, &'static str) {
            match key {
                $(Key::$key => ($en, $ur),)*
            }
        }
    };
}

table! {
    // The chat panel.
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

    // The page around the panel: header, home page, accounts.
    Tasks => ("Tasks", "کام"),
    SignIn => ("Sign in", "سائن ان کریں"),
    SignUp => ("Sign up", "سائن اپ کریں"),
    SignOut => ("Sign out", "سائن آؤٹ کریں"),
    EndAllSessions => ("End all sessions", "تمام سیشن ختم کریں"),
    EndAllSessionsHint => (
        "Sign out on every device and browser",
        "ہر آلے اور براؤزر سے سائن آؤٹ کریں",
    ),
    PageNotFound => ("Page not found.", "صفحہ نہیں ملا۔"),
    Loading => ("Loading…", "لوڈ ہو رہا ہے…"),
    Tagline => (
        "Your tasks, managed by a chat assistant that runs on your own server.",
        "آپ کے کام، ایک چیٹ معاون کے سپرد جو آپ کے اپنے سرور پر چلتا ہے۔",
    ),
    CreateAccount => ("Create an account", "اکاؤنٹ بنائیں"),
    Or => (" or ", " یا "),
    SignInLower => ("sign in", "سائن ان کریں"),
    FullStop => (".", "۔"),
    SignedUpNotice => (
        "Thanks! If this email is new to us, your account is ready: sign in with it. \
         If you already had an account, sign in with its password.",
        "شکریہ! اگر یہ ای میل ہمارے لیے نئی ہے تو آپ کا اکاؤنٹ تیار ہے: اسی سے سائن ان کریں۔ \
         اگر آپ کا اکاؤنٹ پہلے سے تھا تو اسی کے پاس ورڈ سے سائن ان کریں۔",
    ),
    Name => ("Name", "نام"),
    Email => ("Email", "ای میل"),
    Password => ("Password", "پاس ورڈ"),
    NewHere => ("New here? ", "پہلی بار آئے ہیں؟ "),
    CreateYourAccount => ("Create your account", "اپنا اکاؤنٹ بنائیں"),
    HaveAccount => ("Have an account? ", "پہلے سے اکاؤنٹ ہے؟ "),
    // Server-function errors (the server picks the request's language) and their codes.
    ErrEnterEmailPassword => (
        "Enter your email and password.",
        "اپنی ای میل اور پاس ورڈ درج کریں۔",
    ),
    ErrWrongSignIn => ("Wrong email or password.", "ای میل یا پاس ورڈ غلط ہے۔"),
    ErrInvalidEmail => (
        "Please enter a valid email address.",
        "درست ای میل درج کریں۔",
    ),
    ErrPasswordShort => (
        "Password must be at least {n} characters.",
        "پاس ورڈ کم از کم {n} حروف کا ہو۔",
    ),
    ErrPasswordLong => (
        "Password must be at most {n} characters.",
        "پاس ورڈ زیادہ سے زیادہ {n} حروف کا ہو۔",
    ),
    ErrPasswordEasy => (
        "Password is too easy to guess.",
        "اس پاس ورڈ کا اندازہ لگانا بہت آسان ہے۔",
    ),
    ErrSignInsAccount => (
        "Too many failed sign-ins for this account. Please wait {n} s and try again.",
        "اس اکاؤنٹ پر بہت سی ناکام کوششیں ہوئیں۔ {n} سیکنڈ انتظار کر کے دوبارہ کوشش کریں۔",
    ),
    ErrSignInsNetwork => (
        "Too many failed sign-ins from your network. Please wait {n} s and try again.",
        "آپ کے نیٹ ورک سے بہت سی ناکام کوششیں ہوئیں۔ {n} سیکنڈ انتظار کر کے دوبارہ کوشش کریں۔",
    ),
    ErrTaskWrites => (
        "Too many task changes in a short time. Please wait {n} s and try again.",
        "کاموں میں بہت جلدی جلدی تبدیلیاں ہوئیں۔ {n} سیکنڈ انتظار کر کے دوبارہ کوشش کریں۔",
    ),
    ErrPleaseSignIn => ("Please sign in.", "براہ کرم سائن ان کریں۔"),
    ErrNotFound => ("Not found.", "نہیں ملا۔"),
    // The tasks page.
    NewTask => ("New task", "نیا کام"),
    Title => ("Title", "عنوان"),
    More => ("More", "مزید"),
    Description => ("Description", "تفصیل"),
    DescriptionHint => ("Description (Markdown)", "تفصیل (Markdown)"),
    Due => ("Due", "آخری تاریخ"),
    Tags => ("Tags", "ٹیگز"),
    TagsHint => ("home, errands", "گھر, بازار"),
    Add => ("Add", "شامل کریں"),
    Search => ("Search", "تلاش"),
    Status => ("Status", "حالت"),
    All => ("All", "سب"),
    Open => ("Open", "باقی"),
    Done => ("Done", "مکمل"),
    Priority => ("Priority", "ترجیح"),
    PriorityFilter => ("Priority filter", "ترجیح سے چھانٹیں"),
    AnyPriority => ("Any priority", "کوئی بھی ترجیح"),
    PriorityLow => ("low", "کم"),
    PriorityNormal => ("normal", "عام"),
    PriorityHigh => ("high", "زیادہ"),
    PriorityUrgent => ("urgent", "فوری"),
    AnyTime => ("Any time", "کسی بھی وقت"),
    Overdue => ("Overdue", "تاریخ گزر چکی"),
    DueToday => ("Due today", "آج کے"),
    ThisWeek => ("This week", "اس ہفتے"),
    Tag => ("Tag", "ٹیگ"),
    Sort => ("Sort", "ترتیب"),
    SortDue => ("Due date", "آخری تاریخ سے"),
    SortPriority => ("Priority", "ترجیح سے"),
    SortNewest => ("Newest", "نئے پہلے"),
    SortTitle => ("Title", "عنوان سے"),
    Apply => ("Apply", "لاگو کریں"),
    NoMatch => (
        "No tasks match these filters. ",
        "ان فلٹرز سے کوئی کام نہیں ملا۔ ",
    ),
    ShowAll => ("Show all", "سب دکھائیں"),
    NoTasks => ("No tasks yet.", "ابھی کوئی کام نہیں۔"),
    NoTasksHint => (
        "Add one above, or open the chat and say \"add buy milk tomorrow\".",
        "اوپر سے شامل کریں، یا چیٹ کھول کر کہیں \"کل دودھ لینا شامل کرو\"۔",
    ),
    Deleted => ("Deleted “{name}”.", "“{name}” حذف ہو گیا۔"),
    Undo => ("Undo", "واپس لائیں"),
    Complete => ("Complete", "مکمل کریں"),
    Reopen => ("Reopen", "دوبارہ کھولیں"),
    Save => ("Save", "محفوظ کریں"),
    /// A due date: `{month}` is one of `MonthJan`…`MonthDec`, `{day}` the day of the month.
    DueDate => ("{month} {day}", "{day} {month}"),
    MonthJan => ("Jan", "جنوری"),
    MonthFeb => ("Feb", "فروری"),
    MonthMar => ("Mar", "مارچ"),
    MonthApr => ("Apr", "اپریل"),
    MonthMay => ("May", "مئی"),
    MonthJun => ("Jun", "جون"),
    MonthJul => ("Jul", "جولائی"),
    MonthAug => ("Aug", "اگست"),
    MonthSep => ("Sep", "ستمبر"),
    MonthOct => ("Oct", "اکتوبر"),
    MonthNov => ("Nov", "نومبر"),
    MonthDec => ("Dec", "دسمبر"),
    // The dashboard.
    Greeting => ("Hello", "السلام علیکم"),
    GreetingName => ("Hello, {name}", "السلام علیکم، {name}"),
    CountOpen => (" open", " باقی"),
    CountDueToday => (" due today", " آج کے"),
    CountOverdue => (" overdue", " گزرے ہوئے"),
    NothingOpen => ("Nothing open. Add a task on ", "کچھ باقی نہیں۔ "),
    YourTasks => ("your tasks", "اپنے کام"),
    OrInTheChat => (" or in the chat.", " کے صفحے پر یا چیٹ میں کام شامل کریں۔"),
    NextUp => ("Next up", "اگلے کام"),
    AllTasks => ("All tasks →", "سب کام ←"),
}

/// The locale in force, as a context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    /// The string for `key` in the current locale (tracked).
    pub fn t(&self, key: Key) -> &'static str {
        self.locale.get().t(key)
    }

    /// `t(key)` with `{name}` / `{n}` replaced.
    pub fn fill(&self, key: Key, placeholder: &str, value: &str) -> String {
        self.locale.get().fill(key, placeholder, value)
    }

    /// A server function's error for the person reading the page (tracked). Messages the server
    /// wrote (invalid input, limits) are already in the request's language; the fixed ones are
    /// translated here.
    pub fn error(&self, e: &AppError) -> String {
        match e {
            AppError::Unauthorized => self.t(Key::ErrPleaseSignIn).into(),
            AppError::NotFound => self.t(Key::ErrNotFound).into(),
            AppError::Server(_) => self.t(Key::ErrGeneric).into(),
            AppError::Invalid(m)
            | AppError::Conflict(m)
            | AppError::RateLimited { message: m, .. } => m.clone(),
        }
    }

    /// The user's choice: applied at once, and kept in a cookie so the server renders the next
    /// page in it.
    pub fn choose(&self, locale: Locale) {
        self.locale.set(locale);
        #[cfg(feature = "hydrate")]
        {
            let cookie = format!(
                "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                locale.code()
            );
            // `document.cookie = …` (web-sys has it on HtmlDocument, a feature we do not build).
            let _ = js_sys::Reflect::set(
                document().as_ref(),
                &wasm_bindgen::JsValue::from_str("cookie"),
                &wasm_bindgen::JsValue::from_str(&cookie),
            );
        }
    }
}

/// The locale to start in: the request's on the server, the server-rendered `<html lang>` in
/// the browser (so hydration renders what the server did).
#[cfg(feature = "ssr")]
pub fn initial_locale() -> Locale {
    request_locale()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn initial_locale() -> Locale {
    document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .map_or(Locale::En, |lang| Locale::from_tag(&lang))
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
pub fn initial_locale() -> Locale {
    Locale::En
}

/// Provides the locale (see `initial_locale`); in the browser `<html lang dir>` follow it.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        locale: RwSignal::new(initial_locale()),
    };
    provide_context(i18n);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
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
        assert!(Key::ALL.len() > 100);
        for &key in Key::ALL {
            let (en, ur) = text(key);
            assert!(!en.trim().is_empty() && !ur.trim().is_empty(), "{key:?}");
            assert_ne!(en, ur, "{key:?}");
            // Placeholders survive translation.
            for p in ["{name}", "{n}", "{month}", "{day}"] {
                assert_eq!(en.contains(p), ur.contains(p), "{key:?} {p}");
            }
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_request_gets_its_cookie_else_its_languages_else_english() {
        let locale = |pairs: &[(&'static str, &str)]| {
            let mut h = http::HeaderMap::new();
            for (k, v) in pairs {
                h.append(*k, v.parse().unwrap());
            }
            Locale::of_request(&h)
        };
        let urdu_browser = ("accept-language", "ur-PK,ur;q=0.9,en;q=0.8");
        assert_eq!(locale(&[]), Locale::En);
        assert_eq!(locale(&[urdu_browser]), Locale::Ur);
        assert_eq!(
            locale(&[("accept-language", "fr-FR, ur;q=0.5")]),
            Locale::Ur
        );
        assert_eq!(locale(&[("accept-language", "fr-FR")]), Locale::En);
        // The choice in the cookie wins over the browser's languages.
        let chose_english = ("cookie", "todokit_session=abc; todokit_locale=en");
        assert_eq!(locale(&[urdu_browser, chose_english]), Locale::En);
        assert_eq!(locale(&[("cookie", "todokit_locale=ur")]), Locale::Ur);
        assert_eq!(locale(&[("cookie", "todokit_locale=xx")]), Locale::En);
    }
}
