"""Fuzzing the local instance with schemathesis, over real HTTP on 127.0.0.1.

Every operation of the instance's own OpenAPI schema (``/openapi.json``) is
exercised with generated valid and invalid requests, authenticated as the
bootstrap admin through the ``rime-api-key`` header.  For every answer:

- no 5xx;
- every non-2xx body is exactly ``{"code", "message", "details"}``;
- status codes, content types and bodies conform to the schema (schemathesis's
  built-in checks).

The regular run is bounded (a few examples per operation).  The longer run,
documented in the README, sets ``RIME_FUZZ_EXAMPLES``::

    RIME_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import Case

from tests.support.helpers import ERROR_KEYS
from tests.support.local import Local

# Examples per operation and generation mode; the regular run stays well under a minute.
DEFAULT_EXAMPLES = 25
MAX_EXAMPLES = int(os.environ.get("RIME_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


@pytest.fixture(scope="module")
def api_schema(module_local: Local) -> Any:
    config = schemathesis.Config.from_dict(
        {
            # The bootstrap token, bound to the schema's own `APIKeyHeader` scheme, so that
            # schemathesis also checks that each operation refuses missing or wrong credentials.
            "auth": {"openapi": {"APIKeyHeader": {"api_key": module_local.api_token}}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                # The schema types enums as plain strings (so that clients accept values
                # a newer cluster sends) and cannot express rules such as "trimmed, 1..100
                # characters, no control characters"; a schema-valid request may therefore
                # still be refused with 400 INVALID_ARGUMENT. Never with a 5xx.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                },
            },
        }
    )
    return schemathesis.openapi.from_url(f"{module_local.url}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _error_body_is_exact(response: schemathesis.Response) -> None:
    if response.status_code < 400:
        return
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["code"], int) and body["code"] > 0, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert body["details"] == [], body


# All operations run as subtests of this one test: its time grows with the examples.
@pytest.mark.timeout(max(120, MAX_EXAMPLES))
@schema.parametrize()
def test_fuzz_operation(case: Case[Any], module_local: Local, http: requests.Session) -> None:
    response = case.call_and_validate(session=http, timeout=30)
    assert response.status_code < 500, response.text
    _error_body_is_exact(response)


def test_schema_covers_every_endpoint(module_local: Local) -> None:
    """The fuzzed schema is the instance's real one and lists every endpoint."""
    spec = requests.get(f"{module_local.url}/openapi.json", timeout=10).json()
    paths = set(spec["paths"])
    assert {
        "/healthz",
        "/v1/auth/login",
        "/v1/auth/logout",
        "/v1/rime-info",
        "/v1/feature-flags/{customer_name}/limits/{limit}",
        "/v1/users/roles",
        "/v1/users/api-tokens",
        "/v1/users/api-tokens/{token_id}",
        "/v1/users/{user_id}",
        "/v1/users",
        "/v1/workspace",
        "/v1/workspace/{workspace_id}",
        "/v1/workspace/{workspace_id}/users",
        "/v1/projects",
        "/projects",
        "/v1/projects/{project_id}",
        "/v1/projects/{project_id}/url",
        "/v1/projects/{project_id}/role/workspace",
    } <= paths


def test_405_names_every_allowed_method(module_local: Local) -> None:
    """Found by the fuzzer: a 405's Allow header named only one route's methods."""
    response = requests.request(
        "OPTIONS",
        f"{module_local.url}/v1/users/api-tokens",
        headers={"rime-api-key": module_local.api_token},
        timeout=10,
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert set(response.json()) == ERROR_KEYS
    response = requests.post(f"{module_local.url}/v1/projects/x", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, PUT"
