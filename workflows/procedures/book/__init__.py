"""The procedure book (a copy of the spec), read only by tools/import_book.py."""
