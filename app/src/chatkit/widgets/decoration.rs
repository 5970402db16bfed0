//! Components that shape or illustrate rather than say: `Divider`, `Spacer`, `Icon` (with the
//! SDK's icon names) and `Image`.

use super::*;

tokens!(IconSize { Xs = "xs", Sm = "sm", Md = "md", Lg = "lg", Xl = "xl", Xl2 = "2xl", Xl3 = "3xl" });
tokens!(ImageFit { Cover = "cover", Contain = "contain", Fill = "fill", ScaleDown = "scale-down", None = "none" });
tokens!(ImagePosition {
    TopLeft = "top left", Top = "top", TopRight = "top right", Left = "left", Center = "center",
    Right = "right", BottomLeft = "bottom left", Bottom = "bottom", BottomRight = "bottom right",
});
tokens!(
    /// The SDK's built-in icon names (`icons.py`); `vendor:`/`lucide:` names are not modelled.
    IconName {
        Agent = "agent", Analytics = "analytics", Atom = "atom", Batch = "batch", Bolt = "bolt",
        BookOpen = "book-open", BookClosed = "book-closed", BookClock = "book-clock", Bug = "bug",
        Calendar = "calendar", Chart = "chart", Check = "check", CheckCircle = "check-circle",
        CheckCircleFilled = "check-circle-filled", ChevronLeft = "chevron-left",
        ChevronRight = "chevron-right", CircleQuestion = "circle-question", Clock = "clock",
        Compass = "compass", Confetti = "confetti", Cube = "cube", Desktop = "desktop",
        Document = "document", Dot = "dot", DotsHorizontal = "dots-horizontal",
        DotsVertical = "dots-vertical", EmptyCircle = "empty-circle", ExternalLink = "external-link",
        Globe = "globe", Keys = "keys", Lab = "lab", Images = "images", Info = "info",
        Lifesaver = "lifesaver", Lightbulb = "lightbulb", Mail = "mail", MapPin = "map-pin",
        Maps = "maps", Mobile = "mobile", Name = "name", Notebook = "notebook",
        NotebookPencil = "notebook-pencil", PageBlank = "page-blank", Phone = "phone", Play = "play",
        Plus = "plus", Profile = "profile", ProfileCard = "profile-card", Reload = "reload",
        Star = "star", StarFilled = "star-filled", Search = "search", Sparkle = "sparkle",
        SparkleDouble = "sparkle-double", SquareCode = "square-code", SquareImage = "square-image",
        SquareText = "square-text", Suitcase = "suitcase", SettingsSlider = "settings-slider",
        User = "user", Wreath = "wreath", Write = "write", WriteAlt = "write-alt",
        WriteAlt2 = "write-alt2",
    }
);

/// A horizontal rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Divider {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    color: Option<Color>,
    size: Option<IntLength>,
    spacing: Option<IntLength>,
    flush: Option<bool>,
}

impl Divider {
    new!();
    setters!(key: String, id: String, color: Color, size: IntLength, spacing: IntLength, flush: bool);
}

/// Flexible space that pushes its siblings apart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spacer {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    min_size: Option<IntLength>,
}

impl Spacer {
    new!();
    setters!(key: String, id: String, min_size: IntLength);
}

/// A built-in icon. Not `Default`: an icon has no default name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Icon {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    name: IconName,
    color: Option<Color>,
    size: Option<IconSize>,
}

impl Icon {
    pub fn new(name: IconName) -> Self {
        Icon {
            key: None,
            id: None,
            kind: TypeTag::default(),
            name,
            color: None,
            size: None,
        }
    }
    setters!(key: String, id: String, color: Color, size: IconSize);
}

/// An image by URL. Its sizes are `int | str` (unlike a box's); `margin` is not modelled.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    key: Option<String>,
    id: Option<String>,
    #[serde(rename = "type")]
    kind: TypeTag<Self>,
    src: String,
    alt: Option<String>,
    fit: Option<ImageFit>,
    position: Option<ImagePosition>,
    radius: Option<Radius>,
    frame: Option<bool>,
    flush: Option<bool>,
    height: Option<IntLength>,
    width: Option<IntLength>,
    size: Option<IntLength>,
    min_height: Option<IntLength>,
    min_width: Option<IntLength>,
    min_size: Option<IntLength>,
    max_height: Option<IntLength>,
    max_width: Option<IntLength>,
    max_size: Option<IntLength>,
    background: Option<Color>,
    aspect_ratio: Option<Length>,
    flex: Option<IntLength>,
}

impl Image {
    new!(src);
    setters!(
        key: String,
        id: String,
        alt: String,
        fit: ImageFit,
        position: ImagePosition,
        radius: Radius,
        frame: bool,
        flush: bool,
        height: IntLength,
        width: IntLength,
        size: IntLength,
        min_height: IntLength,
        min_width: IntLength,
        min_size: IntLength,
        max_height: IntLength,
        max_width: IntLength,
        max_size: IntLength,
        background: Color,
        aspect_ratio: Length,
        flex: IntLength,
    );
}

widget_types!(components: Divider, Spacer, Icon, Image);
