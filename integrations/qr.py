"""QR codes as PNG images (segno): a student's personal code for the kiosk, a certificate's link."""

from __future__ import annotations

import base64
import io

import segno


def qr_png(value: str, *, scale: int = 10) -> bytes:
    """The PNG of a QR code holding `value`; error level M survives a crease or a smudged screen."""
    buf = io.BytesIO()
    segno.make(value, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_data_url(value: str, *, scale: int = 8) -> str:
    """The same image as a data: URL, for an <img> that needs no file route."""
    return "data:image/png;base64," + base64.b64encode(qr_png(value, scale=scale)).decode("ascii")
