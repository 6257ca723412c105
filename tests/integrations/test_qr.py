"""QR images for the student's kiosk code."""

from __future__ import annotations

import base64

from integrations.qr import qr_data_url, qr_png


def test_qr_png_is_a_png_of_the_value():
    png = qr_png("abc123")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert qr_png("abc123") == png and qr_png("abc124") != png


def test_qr_data_url_carries_the_png():
    url = qr_data_url("abc123", scale=10)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == qr_png("abc123", scale=10)
