"""The Textual app of workshop: one module per screen, its .tcss beside it."""
