"""Isolation matrix of the event sheet's poster buttons: picking a template reads and writes
no centre's data (the poster itself is the REST route's, in the REST matrix)."""

from __future__ import annotations

from tests.ui.matrix_cases import Public

ENTRIES: dict = {
    "PosterState.choose_poster_template": Public("picks a template name among three; no centre data"),
}
