"""Dev tools of the procedure module (the book converter)."""
