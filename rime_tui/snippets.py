"""The seed's "use the token" examples, filled with a cluster URL and token."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from rime_tui.wire.constants import API_KEY_HEADER


@dataclass(frozen=True)
class Snippet:
    title: str
    code: str


def snippets(cluster_url: str, token: str) -> list[Snippet]:
    """The SDK, ``requests`` and ``curl`` examples for *cluster_url* and *token*.

    The SDK (rime-sdk 2.x) requires ``model_task``; 2.13 installs on Python <= 3.10 only.
    """
    body = {"name": "new", "description": "for rest testing"}
    sdk = (
        "# pip install rime-sdk, in its own Python <= 3.10 environment\n"
        "from rime_sdk import Client\n\n"
        f"API_TOKEN = {token!r}\n"
        f"CLUSTER_URL = {cluster_url!r}\n"
        "rime_client = Client(CLUSTER_URL, API_TOKEN)\n\n"
        "project = rime_client.create_project(\n"
        "    name='Fraud Demo',\n"
        "    description='This is an Onboarding Demo',\n"
        "    model_task='MODEL_TASK_BINARY_CLASSIFICATION',\n"
        ")\n"
    )
    requests_code = (
        "import requests\n\n"
        f"headers = {{{json.dumps(API_KEY_HEADER)}: {json.dumps(token)}}}\n\n"
        "# CREATE A PROJECT\n"
        f"body = {json.dumps(body)}\n"
        f'res = requests.post("{cluster_url}/projects", json=body, headers=headers)\n'
        "print(res.status_code, res.json())\n"
    )
    curl = (
        f"curl -X POST {shlex.quote(cluster_url + '/projects')} \\\n"
        f"  -H {shlex.quote(f'{API_KEY_HEADER}: {token}')} \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(json.dumps(body))}\n"
    )
    return [
        Snippet("SDK", sdk),
        Snippet("requests", requests_code),
        Snippet("curl", curl),
    ]
