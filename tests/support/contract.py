"""The RI Platform contract, as the official SDK's generated client states it.

``tests/contract/ri_contract.json`` is written by ``tools/gen_contract.py`` from
rime-sdk 2.13.2 (a test regenerates it and fails when it differs).  This module
reads it and offers what the contract tests need:

- :func:`problems`: where a JSON value breaks a model (wire names, types, enum
  values, RFC 3339 times, nesting, and in an answer a field of
  :data:`ALWAYS_SENT` missing), as a real cluster's gateway would send it;
- :func:`example`: an answer built from a model, in the shapes a real cluster
  sends: every field present, unset messages as ``null``, fields absent, or
  fields this SDK does not know yet;
- :func:`served`: which of the contract's operations the local instance serves.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import Match, Route

from rime_tui.server.app import create_app
from rime_tui.server.store import Store

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "contract" / "ri_contract.json"
CONTRACT: dict[str, Any] = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
OPERATIONS: dict[str, dict[str, Any]] = CONTRACT["operations"]
MODELS: dict[str, dict[str, Any]] = CONTRACT["models"]
ERROR_MODEL = "GooglerpcStatus"  # the gateway's error body {code, message, details}

# Fields a real cluster always sends: the ids of objects and the object a get or a
# create answers with (the TUI reads each).  The SDK's models mark no answer field
# required, so these are what makes an answer without them (`{}` for a created
# token, no `fullApiToken`) break the contract.  Every other field may be absent or
# null, and our client must cope with that (see Shape.MINIMAL and Shape.NULLS).
# Request bodies need them not (an update sends only the fields it changes).
ALWAYS_SENT: dict[str, frozenset[str]] = {
    "RimeUUID": frozenset({"uuid"}),
    "RimeAPITokenInfo": frozenset({"id"}),
    "UserUserDetail": frozenset({"id"}),
    "RimeWorkspace": frozenset({"workspaceId"}),
    "ProjectProject": frozenset({"id"}),
    "ProjectProjectWithDetails": frozenset({"project"}),
    "RimeUserDetailWithRole": frozenset({"userDetail"}),
    "RimeGetUserResponse": frozenset({"user"}),
    "RimeGetWorkspaceResponse": frozenset({"workspace"}),
    "RimeCreateAPITokenResponse": frozenset({"id", "fullApiToken"}),
    "RimeCreateUserResponse": frozenset({"userId"}),
    "RimeCreateWorkspaceResponse": frozenset({"workspaceId"}),
    "ProjectCreateProjectResponse": frozenset({"project"}),
    "ProjectGetProjectResponse": frozenset({"project"}),
    "ProjectUpdateProjectResponse": frozenset({"project"}),
    "ProjectGetProjectURLResponse": frozenset({"url"}),
    "RimeGetLimitStatusResponse": frozenset({"limitStatus"}),
}

NANOSECOND_TIME = "2026-11-28T01:02:03.123456789Z"  # how a Go gateway writes a Timestamp
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$", re.ASCII
)
_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str, (.+)\)$")


class Shape(Enum):
    """How fully a built answer is filled in."""

    FULL = "every field present"
    NULLS = "every message and time that may be unset is null"
    MINIMAL = "only the fields a cluster always sends"
    UNKNOWN_FIELDS = "every field present, plus fields this SDK does not know"


def is_message(kind: str) -> bool:
    """A protobuf message (a model with fields, or a Timestamp): the gateway may send null."""
    return kind == "datetime" or "fields" in MODELS.get(kind, {})


# -- validation ------------------------------------------------------------------------------


def problems(value: Any, kind: str, where: str = "$", *, request: bool = False) -> list[str]:
    """Every way *value* breaks the contract's *kind* (a model name or swagger type): an
    answer (a request body with *request*, which need not hold :data:`ALWAYS_SENT`)."""
    if value is None:
        return [] if is_message(kind) or kind == "object" else [f"{where}: null for {kind}"]
    if match := _LIST.match(kind):
        if not isinstance(value, list):
            return [f"{where}: {kind} expected, got {_short(value)}"]
        return [
            p
            for i, item in enumerate(value)
            for p in problems(item, match[1], f"{where}[{i}]", request=request)
        ]
    if match := _DICT.match(kind):
        if not isinstance(value, dict):
            return [f"{where}: {kind} expected, got {_short(value)}"]
        return [
            p
            for k, item in value.items()
            for p in problems(item, match[1], f"{where}.{k}", request=request)
        ]
    if kind == "object":
        return []
    if kind in ("str", "int", "float", "bool", "datetime"):
        return _primitive_problems(value, kind, where)
    model = MODELS[kind]
    if "enum" in model:
        if value not in model["enum"]:
            return [f"{where}: {_short(value)} is not a {kind} ({', '.join(model['enum'])})"]
        return []
    if not isinstance(value, dict):
        return [f"{where}: {kind} object expected, got {_short(value)}"]
    fields: dict[str, str] = model["fields"]
    found = [f"{where}: {kind} has no field {key!r}" for key in value if key not in fields]
    required = set(model["required"])
    if not request:
        required |= ALWAYS_SENT.get(kind, frozenset())
    found += [f"{where}: {kind} lacks {key!r}" for key in sorted(required) if key not in value]
    for key, item in value.items():
        if key in fields:
            found += problems(item, fields[key], f"{where}.{key}", request=request)
    return found


def _primitive_problems(value: Any, kind: str, where: str) -> list[str]:
    ok = {
        # int64 and uint64 are 'str' in the SDK: the gateway sends them as JSON strings.
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "datetime": isinstance(value, str) and _RFC3339.match(value) is not None,
    }[kind]
    if kind == "datetime" and ok:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            ok = False
    return [] if ok else [f"{where}: {kind} expected, got {_short(value)}"]


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def assert_valid(value: Any, kind: str, *, request: bool = False) -> None:
    found = problems(value, kind, request=request)
    assert not found, f"{len(found)} difference(s) from {kind}:\n" + "\n".join(found[:20])


# -- building answers ------------------------------------------------------------------------


def example(kind: str, shape: Shape = Shape.FULL) -> Any:
    """A JSON value of *kind* as a real cluster would send it, filled in as *shape* says."""
    return _build(kind, shape, "$", ())


def _build(kind: str, shape: Shape, where: str, seen: tuple[str, ...]) -> Any:
    if match := _LIST.match(kind):
        return [_build(match[1], shape, f"{where}[0]", seen)]
    if match := _DICT.match(kind):
        return {"key": _build(match[1], shape, f"{where}.key", seen)}
    if kind == "object":
        return {"anything": ["the", "cluster", 1]}
    if kind == "str":
        name = where.rsplit(".", 1)[-1]
        if name == "uuid" or name.endswith("Id"):
            return str(uuid.uuid5(uuid.NAMESPACE_URL, where))
        return f"example {name}"
    if kind in ("int", "float", "bool", "datetime"):
        return {"int": 30, "float": 0.25, "bool": True, "datetime": NANOSECOND_TIME}[kind]
    model = MODELS[kind]
    if "enum" in model:
        values: list[str] = model["enum"]
        return next((v for v in values if not v.endswith("_UNSPECIFIED")), values[0])
    always = ALWAYS_SENT.get(kind, frozenset())
    built: dict[str, Any] = {}
    for key, field_kind in model["fields"].items():
        inner = _LIST.sub(r"\1", field_kind)
        if inner in seen:  # a recursive model: stop here, the field is absent
            continue
        if shape is Shape.MINIMAL and key not in always:
            continue
        if shape is Shape.NULLS and key not in always and is_message(field_kind):
            built[key] = None
            continue
        built[key] = _build(field_kind, shape, f"{where}.{key}", (*seen, kind))
    if shape is Shape.UNKNOWN_FIELDS:
        built["fieldFromANewerCluster"] = {"nested": [1, "two", None], "flag": True}
    return built


# -- what the local instance serves ------------------------------------------------------


def concrete_path(template: str, values: dict[str, str] | None = None) -> str:
    """*template* with each ``{param}`` replaced by *values* (or a placeholder)."""
    values = values or {}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m[1], f"x-{m[1]}"), template)


def served() -> list[str]:
    """The contract's operations for which the local instance has a route (method and path)."""
    with tempfile.TemporaryDirectory(prefix="rime-routes-") as tmp:
        store = Store(Path(tmp) / "routes.sqlite")
        app = create_app(store)
        store.close()
    found = []
    for key, op in OPERATIONS.items():
        path = concrete_path(op["path"])
        scope = {"type": "http", "method": op["method"], "path": path, "root_path": ""}
        for context in iter_route_contexts(app.router.routes):
            route = context.original_route
            if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
                found.append(key)
                break
    return found


# -- the contract as an OpenAPI schema, for the fuzzer ----------------------------------------

_PRIMITIVE_SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "object": {"type": "object"},
}


def _schema_of(kind: str, wanted: set[str]) -> dict[str, Any]:
    """The JSON schema of *kind*; model names reached are added to *wanted*."""
    if match := _LIST.match(kind):
        return {"type": "array", "items": _schema_of(match[1], wanted)}
    if match := _DICT.match(kind):
        return {"type": "object", "additionalProperties": _schema_of(match[1], wanted)}
    if kind in _PRIMITIVE_SCHEMAS:
        return dict(_PRIMITIVE_SCHEMAS[kind])
    wanted.add(kind)
    return {"$ref": f"#/components/schemas/{kind}"}


def _parameter_name(name: str) -> str:
    return name.replace(".", "_")  # `id.uuid` is the SDK's; OpenAPI tools want plain names


def openapi(operations: list[str]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema of *operations* (keys of :data:`OPERATIONS`) as the SDK
    states them: its paths, path and query parameters and request bodies, its answer
    models, and the gateway's error body; every model it reaches, from the contract's
    fields (and enums). Authenticated by the ``rime-api-key`` header (``APIKeyHeader``)."""
    wanted: set[str] = {ERROR_MODEL}
    paths: dict[str, dict[str, Any]] = {}
    for key in operations:
        op = OPERATIONS[key]
        template = re.sub(r"\{([^}]+)\}", lambda m: "{" + _parameter_name(m[1]) + "}", op["path"])
        parameters = [
            {
                "name": _parameter_name(name),
                "in": "path",
                "required": True,
                "schema": _schema_of(kind, wanted),
            }
            for name, kind in op["path_params"].items()
        ] + [
            {"name": name, "in": "query", "required": False, "schema": _schema_of(kind, wanted)}
            for name, kind in op["query_params"].items()
        ]
        operation: dict[str, Any] = {
            "operationId": key,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": op["answer"] or "empty",
                    "content": {
                        "application/json": {"schema": _schema_of(op["answer"] or "object", wanted)}
                    },
                },
                "default": {
                    "description": "the RI error body",
                    "content": {"application/json": {"schema": _schema_of(ERROR_MODEL, wanted)}},
                },
            },
        }
        if op["body"]:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema_of(op["body"], wanted)}},
            }
        paths.setdefault(template, {})[op["method"].lower()] = operation
    schemas: dict[str, Any] = {}
    while pending := sorted(wanted - set(schemas)):
        for name in pending:
            model = MODELS[name]
            if "enum" in model:
                schemas[name] = {"type": "string", "enum": list(model["enum"])}
                continue
            schemas[name] = {
                "type": "object",
                "properties": {
                    field: _schema_of(kind, wanted) for field, kind in model["fields"].items()
                },
            }
            if model["required"]:
                schemas[name]["required"] = list(model["required"])
    return {
        "openapi": "3.0.3",
        "info": {"title": "RI Platform, as rime-sdk's contract states it", "version": "2.13.2"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "rime-api-key"}
            },
        },
        "security": [{"APIKeyHeader": []}],
    }
