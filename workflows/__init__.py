"""The procedures of the book (P01–P31) as versioned workflows, and the engine that runs them.

Imports tenants and integrations only; never reflex or FastAPI (DESIGN §2).
"""
