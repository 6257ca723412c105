"""The Reflex app: every page, with the FastAPI app (/auth, /api/v1) wrapping Reflex's backend."""

import reflex as rx

import cc_network.models  # noqa: F401  (every table mapped before the first query)
import cc_network.worker  # noqa: F401  (a commit that queues mail publishes its delivery at once)
from cc_network.api import api_app
from cc_network.pages import register

app = rx.App(api_transformer=api_app, stylesheets=["/rtl.css"])
register(app)
