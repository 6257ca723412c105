"""Student search for sourcing (P22). Importing the package registers the hook that keeps
the search index in step with profile changes."""

from tenants.sourcing.search import services as _services  # noqa: F401
