"""URL defaults follow the port, so `CC_PORT=3400 make run` works without more settings."""

from __future__ import annotations

from integrations.settings import Settings


def test_base_and_api_url_follow_the_port(monkeypatch):
    monkeypatch.delenv("CC_BASE_URL", raising=False)
    monkeypatch.delenv("CC_API_URL", raising=False)
    monkeypatch.setenv("CC_PORT", "3400")
    s = Settings()
    assert s.base_url == "http://localhost:3400" and s.api_url == "http://localhost:3400"


def test_explicit_urls_win(monkeypatch):
    monkeypatch.setenv("CC_PORT", "3400")
    monkeypatch.setenv("CC_BASE_URL", "https://cc.example.ma/")
    monkeypatch.delenv("CC_API_URL", raising=False)
    s = Settings()
    assert s.base_url == "https://cc.example.ma" and s.api_url == "https://cc.example.ma"
    monkeypatch.setenv("CC_API_URL", "https://api.cc.example.ma")
    assert Settings().api_url == "https://api.cc.example.ma"
