#!/usr/bin/env python3
"""Widget wire fixture: builds widgets with the official SDK's classes (openai-chatkit 1.6.5),
wraps each in the event that carries it, and prints the bytes the SDK's server sends for it
(`ChatKitServer._serialize`). The output is `widgets_expected.json`; the Rust test
`chatkit::widgets::tests` builds the same widgets with our builders and compares byte for byte,
and `run.sh` regenerates this file and fails on any difference.

One case per line (`  "name": <wire JSON>,`) so the raw bytes can be read back exactly.

    python conformance/widgets.py > conformance/widgets_expected.json
"""

import json
import warnings
from datetime import datetime, timezone

# Direct use of the widget classes is deprecated in favour of .widget templates; it is still
# what the SDK serialises, and what our builders mirror.
warnings.simplefilter("ignore", DeprecationWarning)

from chatkit.actions import ActionConfig  # noqa: E402
from chatkit.server import ChatKitServer  # noqa: E402
from chatkit.types import (  # noqa: E402
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    WidgetComponentUpdated,
    WidgetItem,
    WidgetRootUpdated,
)
from chatkit.widgets import (  # noqa: E402
    Badge,
    Box,
    Button,
    Caption,
    Card,
    Checkbox,
    Col,
    Divider,
    Form,
    Icon,
    Image,
    ListView,
    ListViewItem,
    Markdown,
    Row,
    Spacer,
    Text,
    Title,
)

CREATED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
HOSTILE = (
    'Urdu: دودھ خریدیں, emoji 🧾, "quotes", back\\slash, tab\t, newline\n, '
    "unit sep\x1f, del\x7f, line sep\u2028, </script><img src=x onerror=alert(1)>"
)


def done(widget, copy_text=None):
    item = WidgetItem(
        id="msg_widget",
        thread_id="thr_widgets",
        created_at=CREATED_AT,
        widget=widget,
        copy_text=copy_text,
    )
    return ThreadItemDoneEvent(item=item)


def editable():
    return {
        "name": "title",
        "autoFocus": True,
        "autoSelect": False,
        "autoComplete": "off",
        "allowAutofillExtensions": False,
        "pattern": "[a-z]+",
        "placeholder": "New task",
        "required": True,
    }


CASES = {
    "card_empty": done(Card(children=[])),
    "card_every_prop": done(
        Card(
            key="k",
            id="card1",
            asForm=True,
            children=[Title(value="Groceries"), Caption(value="3 left")],
            background={"light": "white", "dark": "gray-900"},
            size="md",
            padding={"top": "2px", "x": 4},
            status={"text": "Synced", "icon": "check"},
            collapsed=False,
            confirm={"label": "Save", "action": ActionConfig(type="form.save")},
            cancel={
                "label": "Cancel",
                "action": ActionConfig(
                    type="form.cancel", handler="client", loadingBehavior="none", streaming=False
                ),
            },
            theme="dark",
        )
    ),
    "card_favicon_status_numeric_padding": done(
        Card(
            children=[Text(value="x")],
            background="surface-secondary",
            padding=3,
            status={"text": "example.com", "favicon": "https://example.com/favicon.ico", "frame": True},
        )
    ),
    "card_css_padding": done(Card(children=[], padding="8px 12px", size="full", theme="light")),
    "list_view_tasks": done(
        ListView(
            children=[
                ListViewItem(
                    key="t1",
                    children=[
                        Checkbox(
                            name="done.t1",
                            defaultChecked=False,
                            onChangeAction=ActionConfig(type="task.toggle", payload={"id": "t1"}),
                        ),
                        Text(value="Buy milk 🥛", lineThrough=False),
                        Spacer(),
                        Badge(label="high", color="danger"),
                    ],
                    onClickAction=ActionConfig(type="task.open", payload={"id": "t1"}),
                    gap=2,
                    align="center",
                ),
                ListViewItem(children=[Text(value="Call Ali — کل", italic=True)]),
            ],
            limit="auto",
            status={"text": "Your tasks", "icon": "notebook"},
            theme="light",
        ),
        copy_text="Buy milk\nCall Ali",
    ),
    "list_view_limit_count": done(ListView(key="l", id="lv", children=[], limit=5)),
    "box_every_prop": done(
        Card(
            children=[
                Box(
                    children=[Text(value="a")],
                    align="center",
                    justify="between",
                    wrap="wrap",
                    flex=1,
                    gap="8px",
                    height=1.5,
                    width=2,
                    size="100%",
                    minHeight=10,
                    minWidth="5rem",
                    minSize=1,
                    maxHeight=100,
                    maxWidth="50%",
                    maxSize=3,
                    padding=0.1,
                    margin={"top": 1, "right": "2px", "bottom": 3.25, "left": 0, "x": 1e16, "y": 1e-7},
                    border=2,
                    radius="100%",
                    background="red-100",
                    aspectRatio=16 / 9,
                    key="b",
                    id="box1",
                    direction="col",
                )
            ]
        )
    ),
    "layout_empty_and_nested": done(
        Card(
            children=[
                Box(),
                Row(children=[]),
                Col(
                    gap=3,
                    children=[
                        Row(
                            children=[Box(direction="row", children=[Icon(name="star")])],
                            border={"size": 1, "color": "subtle", "style": "dashed"},
                        ),
                        Row(
                            justify="end",
                            border={"top": 1, "x": {"size": 2, "color": {"dark": "white", "light": "black"}}},
                            radius="2xs",
                        ),
                    ],
                ),
            ]
        )
    ),
    "form_with_editable_text": done(
        Card(
            children=[
                Form(
                    gap=2,
                    children=[
                        Text(value="", editable=editable()),
                        Button(label="Add", submit=True, style="primary"),
                    ],
                    onSubmitAction=ActionConfig(type="task.add", loadingBehavior="container"),
                    direction="row",
                )
            ]
        )
    ),
    "text_title_caption_markdown_every_prop": done(
        Card(
            children=[
                Text(
                    key="tk",
                    id="text1",
                    value="Buy milk",
                    streaming=True,
                    italic=False,
                    lineThrough=True,
                    color="secondary",
                    weight="semibold",
                    width=120,
                    size="sm",
                    textAlign="end",
                    truncate=True,
                    minLines=1,
                    maxLines=3,
                    editable={"name": "only_name"},
                ),
                Title(
                    key="tt",
                    id="title1",
                    value="Today",
                    color={"dark": "white", "light": "black"},
                    weight="bold",
                    size="5xl",
                    textAlign="center",
                    truncate=False,
                    maxLines=1,
                ),
                Caption(
                    key="ck",
                    id="cap1",
                    value="due tomorrow",
                    color="tertiary",
                    weight="normal",
                    size="lg",
                    textAlign="start",
                    truncate=True,
                    maxLines=2,
                ),
                Markdown(
                    key="mk",
                    id="md1",
                    value="# Hi\n<script>alert(1)</script> **bold** [x](javascript:alert(1))",
                    streaming=True,
                ),
                Markdown(value="plain"),
            ]
        )
    ),
    "badge_button_checkbox_every_prop": done(
        Card(
            children=[
                Badge(key="bk", id="badge1", label="new", color="discovery", variant="outline", size="lg", pill=True),
                Button(
                    key="bt",
                    id="btn1",
                    submit=False,
                    label="Done ✓",
                    onClickAction=ActionConfig(type="task.complete", payload={"id": 7}),
                    iconStart="check",
                    iconEnd="chevron-right",
                    style="secondary",
                    iconSize="2xl",
                    color="caution",
                    variant="ghost",
                    size="3xs",
                    pill=True,
                    uniform=False,
                    block=True,
                    disabled=False,
                ),
                Button(iconStart="plus"),
                Checkbox(
                    key="cb",
                    id="check1",
                    name="done",
                    label="Done",
                    defaultChecked=True,
                    onChangeAction=ActionConfig(type="task.toggle", handler="client"),
                    disabled=False,
                    required=True,
                ),
                Checkbox(name="bare"),
            ]
        )
    ),
    "divider_spacer_icon_image_every_prop": done(
        Card(
            children=[
                Divider(key="dk", id="div1", color={"dark": "gray-700", "light": "gray-200"}, size=2, spacing="12px", flush=True),
                Divider(),
                Spacer(key="sk", id="sp1", minSize="16px"),
                Spacer(minSize=8),
                Icon(key="ik", id="icon1", name="write-alt2", color="blue-500", size="3xl"),
                Image(
                    key="imk",
                    id="img1",
                    src="https://example.com/a b.png",
                    alt='A "quoted" <img>',
                    fit="scale-down",
                    position="bottom right",
                    radius="full",
                    frame=True,
                    flush=False,
                    height=100,
                    width="50%",
                    size=64,
                    minHeight=1,
                    minWidth=2,
                    minSize=3,
                    maxHeight=4,
                    maxWidth=5,
                    maxSize=6,
                    background="surface",
                    aspectRatio=1.5,
                    flex="1 1 auto",
                ),
            ]
        )
    ),
    "action_payload_quirks": done(
        Card(
            children=[
                Button(
                    label="x",
                    onClickAction=ActionConfig(
                        type="t",
                        payload={
                            "keep": 1,
                            "gone": None,
                            "children": None,
                            "list": [1, None, {"n": None, "m": 0.5}],
                            "float": 1.0,
                            "big": 1e20,
                            "tiny": 1.5e-7,
                            "neg": -0.0,
                            "text": "é\u2028\x7f\x01",
                        },
                        handler="client",
                        loadingBehavior="self",
                        streaming=False,
                    ),
                )
            ]
        )
    ),
    "hostile_strings": done(Card(key=HOSTILE, children=[Text(value=HOSTILE), Markdown(value=HOSTILE)])),
    "unknown_component_passes_through": done(
        Card(children=[{"type": "Future", "label": "from a newer client", "nested": {"a": None, "b": [None, 2]}}])
    ),
    "root_updated": ThreadItemUpdatedEvent(
        item_id="msg_widget",
        update=WidgetRootUpdated(widget=Card(children=[Text(id="t1", value="done", lineThrough=True)])),
    ),
    "component_updated": ThreadItemUpdatedEvent(
        item_id="msg_widget",
        update=WidgetComponentUpdated(component_id="t1", component=Text(id="t1", value="done", color="success")),
    ),
}


def main():
    lines = []
    for name, event in CASES.items():
        wire = ChatKitServer._serialize(None, event).decode("utf-8")
        assert "\n" not in wire
        lines.append(f"  {json.dumps(name)}: {wire}")
    print("{\n" + ",\n".join(lines) + "\n}")


if __name__ == "__main__":
    main()
