"""The perception gap written so that it reads in words and shapes, not only in colour."""

from __future__ import annotations

from rich.text import Text


def gap_label(gap: int | float | None) -> Text:
    """▲ +2 (we rate ourselves higher), ▼ −1 (lower), = 0 (agreed), or "unrated"."""
    if gap is None:
        return Text("unrated", style="italic dim")
    shown = f"{gap:+.1f}" if isinstance(gap, float) and not gap.is_integer() else f"{gap:+.0f}"
    shown = shown.replace("-", "−")
    if gap > 0:
        return Text(f"▲ {shown}", style="bold red" if gap >= 2 else "red")
    if gap < 0:
        return Text(f"▼ {shown}", style="blue")
    return Text("= 0", style="green")


def rating_label(value: int | None) -> str:
    return "—" if value is None else f"{value}/5"
