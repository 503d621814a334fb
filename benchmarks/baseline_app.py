"""The minimal Textual app that startup is compared with: Header, a DataTable of 100 rows and
a Footer."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Baseline(App):
    TITLE = "baseline"

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Role", "Distance")
        for n in range(100):
            table.add_row(f"baseline-row-{n}", "A role statement", str(n % 4))


if __name__ == "__main__":
    Baseline().run()
