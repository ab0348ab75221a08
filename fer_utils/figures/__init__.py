"""Every figure of the book: one style, one module per chapter."""
