"""One host institution's world. Imports integrations only; never reflex or FastAPI."""
