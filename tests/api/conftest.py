from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def client() -> TestClient:
    from cc_network.api import api_app

    # raise_server_exceptions: an unhandled error fails the test instead of hiding as a 500
    return TestClient(api_app, raise_server_exceptions=True)
