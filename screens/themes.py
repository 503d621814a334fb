"""Themes as data. "projector" is the default: black on white, strong accents, readable when a
beamer washes the colours out."""

from textual.theme import Theme

PROJECTOR = Theme(
    name="projector",
    primary="#0033A0",
    secondary="#5C2D91",
    accent="#B34700",
    warning="#8A5A00",
    error="#B00020",
    success="#006B2D",
    foreground="#000000",
    background="#FFFFFF",
    surface="#F2F2F2",
    panel="#E0E6F5",
    dark=False,
    variables={
        "footer-key-foreground": "#0033A0",
        "block-cursor-background": "#0033A0",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-text-style": "bold",
        "input-selection-background": "#0033A0 35%",
    },
)

PROJECTOR_DARK = Theme(
    name="projector-dark",
    primary="#FFD400",
    secondary="#7FDBFF",
    accent="#FF9F1C",
    warning="#FFD400",
    error="#FF5C5C",
    success="#5CFF8A",
    foreground="#FFFFFF",
    background="#000000",
    surface="#111111",
    panel="#1F2A44",
    dark=True,
    variables={
        "footer-key-foreground": "#FFD400",
        "block-cursor-background": "#FFD400",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
    },
)

THEMES = (PROJECTOR, PROJECTOR_DARK)
