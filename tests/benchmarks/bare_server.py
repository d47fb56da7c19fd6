"""The floor of the local instance: a bare FastAPI app that answers one route with fixed bytes.

    python -m tests.benchmarks.bare_server --port PORT --body FILE [--access-log]

``GET /v1/users/api-tokens`` answers the bytes of *FILE* (the instance's own
answer, fetched by the benchmark); ``POST`` there answers a create's bytes
(:data:`CREATED`, the shape and size of the instance's) and ``DELETE`` a token
``{}``, for the create burst. All served by uvicorn with the instance's own
settings (:func:`rime_tui.server.runner.uvicorn_config`): the same protocol
class, limits and timeouts, and the access log only when asked, as ``serve``.
Nothing else: no middleware, no dependencies, no database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rime_tui.server.runner import uvicorn_config

CREATED = (
    b'{"id":{"uuid":"0b5e4c1e-5a0c-4f7e-9d3a-000000000001"},'
    b'"fullApiToken":"rime_' + b"x" * 40 + b'"}'
)


def bare_app(body: bytes) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/users/api-tokens")
    async def list_api_tokens() -> Response:
        return Response(body, media_type="application/json")

    @app.post("/v1/users/api-tokens")
    async def create_api_token() -> Response:
        return Response(CREATED, media_type="application/json")

    @app.delete("/v1/users/api-tokens/{token_id}")
    async def delete_api_token(token_id: str) -> Response:
        return Response(b"{}", media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b"{}", media_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    app = bare_app(args.body.read_bytes())
    config = uvicorn_config(
        app, host="127.0.0.1", port=args.port, log_level="info", access_log=args.access_log
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
