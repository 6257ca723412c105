"""The Reflex app: every page, with the FastAPI app (/auth, /api/v1) wrapping Reflex's backend."""

import reflex as rx

import cc_network.models  # noqa: F401  (every table mapped before the first query)
import cc_network.worker  # noqa: F401  (a commit that queues mail publishes its delivery at once)
from cc_network.api import api_app
from cc_network.pages import register
from cc_network.pages.assessment import benchmark as benchmark_pages
from cc_network.pages.assessment import model_admin as reference_model_admin
from cc_network.pages.assessment import performance as performance_pages
from cc_network.pages.assessment import results as assessment_results
from cc_network.pages.assessment import self as self_assessment

app = rx.App(api_transformer=api_app, stylesheets=["/rtl.css"])
register(app)
reference_model_admin.register(app)
performance_pages.register(app)
benchmark_pages.register(app)
self_assessment.register(app)
assessment_results.register(app)
