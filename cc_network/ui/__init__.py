"""Shared UI: translation layer, session state, layouts and form components."""
