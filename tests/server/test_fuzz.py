"""Fuzzing the local instance with schemathesis, over real HTTP on 127.0.0.1.

The requests are generated from the RI Platform's contract as the official SDK states
it (``tests/contract/ri_contract.json``, turned into OpenAPI by
``tests.support.contract.openapi``), not from the instance's own ``/openapi.json``,
which would only check the server against itself. The routes the SDK does not describe
(sign-in, sign-out, ``/healthz``, the seed's ``/projects``) are fuzzed from the
instance's schema. Valid and invalid requests, authenticated as the bootstrap admin
through the ``rime-api-key`` header. For every answer:

- no 5xx;
- every non-2xx body is exactly ``{"code", "message", "details"}``;
- every 2xx body is the SDK's answer model, with what a cluster always sends
  (``tests.support.contract.problems``).

The regular run is bounded (a few examples per operation).  The longer run,
documented in docs/development.md, sets ``RIME_FUZZ_EXAMPLES``::

    RIME_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/server/test_fuzz.py
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

from tests.support.contract import OPERATIONS, openapi, problems, served
from tests.support.helpers import ERROR_KEYS
from tests.support.local import Local

# Examples per operation and generation mode; the regular run stays well under a minute.
DEFAULT_EXAMPLES = 25
MAX_EXAMPLES = int(os.environ.get("RIME_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))


# The instance's routes that the SDK's five APIs do not describe.
OWN_ROUTES = r"^/(healthz|v1/auth/.*|projects)$"


def _config(local: Local) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "base-url": local.url,
            # The bootstrap token, bound to the schema's `APIKeyHeader` scheme, so that
            # schemathesis also sends requests without it or with a wrong one.
            "auth": {"openapi": {"APIKeyHeader": {"api_key": local.api_token}}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                # A schema cannot express rules such as "trimmed, 1..100 characters, no
                # control characters" or "a UUID": a schema-valid request may therefore
                # still be refused with 400 INVALID_ARGUMENT. Never with a 5xx.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                },
            },
        }
    )


@pytest.fixture(scope="module")
def contract_schema(module_local: Local) -> Any:
    return schemathesis.openapi.from_dict(openapi(served()), config=_config(module_local))


@pytest.fixture(scope="module")
def own_schema(module_local: Local) -> Any:
    spec = requests.get(f"{module_local.url}/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(spec, config=_config(module_local))


contract = schemathesis.pytest.from_fixture("contract_schema")
own = schemathesis.pytest.from_fixture("own_schema").include(path_regex=OWN_ROUTES)


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


def _answer_is_sound(case: Case[Any], response: schemathesis.Response) -> None:
    assert response.status_code < 500, response.text
    _error_body_is_exact(response)


# All operations run as subtests of these tests: their time grows with the examples.
@pytest.mark.timeout(max(120, MAX_EXAMPLES))
@contract.parametrize()
def test_fuzz_the_sdks_operations(
    case: Case[Any], module_local: Local, http: requests.Session
) -> None:
    response = case.call(session=http, timeout=30)
    _answer_is_sound(case, response)
    if response.status_code == 200:
        answer = OPERATIONS[case.operation.definition.raw["operationId"]]["answer"]
        assert problems(json.loads(response.content), answer or "object") == [], response.text


@pytest.mark.timeout(max(120, MAX_EXAMPLES))
@own.parametrize()
def test_fuzz_the_instances_own_routes(
    case: Case[Any], module_local: Local, http: requests.Session
) -> None:
    response = case.call_and_validate(session=http, timeout=30)
    _answer_is_sound(case, response)


def test_the_fuzzed_contract_has_every_served_operation() -> None:
    """The contract's schema holds each operation the instance serves, with the SDK's
    parameters and bodies (a schema with nothing in it would fuzz nothing)."""
    spec = openapi(served())
    operations = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    assert operations == set(served()) and len(operations) == 23
    create = spec["paths"]["/v1/users/api-tokens"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RimeCreateAPITokenRequest"}
    assert spec["components"]["schemas"]["RimeCreateAPITokenRequest"]["required"] == ["name"]


def test_schema_covers_every_endpoint(module_local: Local) -> None:
    """The instance's own schema lists every endpoint (its routes beyond the SDK's are
    fuzzed from it)."""
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
