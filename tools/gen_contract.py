"""Write the RI Platform contract from the official SDK's own generated client.

    python tools/gen_contract.py            # (re)write tests/contract/ri_contract.json
    python tools/gen_contract.py --check    # exit 1 and show the difference if it is stale

It downloads rime-sdk (``pip download --no-deps``), unpacks the wheel, imports
``rime_sdk/swagger/swagger_client`` with its parent packages stubbed (so pandas
and the rest of the SDK are not needed; only six, urllib3, certifi and
python-dateutil are) and records:

- every model: its wire field names and swagger types, the fields its setters
  refuse to leave unset, or, for an enum, its allowed values;
- every operation of the five APIs this project speaks: method, path, path and
  query parameters (wire name and type), body model and answer model.

Operations are read by calling each generated ``*_with_http_info`` method with
placeholder arguments against an API client that records the request instead
of sending it, so the generated code itself says which wire names it uses.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib
import inspect
import json
import re
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path
from typing import Any

SDK = "rime-sdk"
SDK_VERSION = "2.13.2"
APIS = ("UserApi", "WorkspaceServiceApi", "ProjectServiceApi", "RIMEInfoApi", "FeatureFlagApi")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "contract" / "ri_contract.json"

_PARAM = re.compile(r":param (\S+) (\w+):")


def download_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(dest),
            f"{SDK}=={SDK_VERSION}",
        ],
        check=True,
    )
    (wheel,) = dest.glob("rime_sdk-*.whl")
    return wheel


def load_swagger_client(root: Path) -> types.ModuleType:
    """Import ``rime_sdk.swagger.swagger_client`` from *root* without the SDK's own __init__."""
    for name in ("rime_sdk", "rime_sdk.swagger"):
        stub = types.ModuleType(name)
        stub.__path__ = [str(root.joinpath(*name.split(".")))]
        sys.modules[name] = stub
    return importlib.import_module("rime_sdk.swagger.swagger_client")


class Recorder:
    """Stands in for the generated ``ApiClient``: keeps the request a method would send."""

    def __init__(self) -> None:
        self.call: dict[str, Any] = {}

    def select_header_accept(self, accepts: list[str]) -> str:
        return ", ".join(accepts)

    def select_header_content_type(self, types_: list[str]) -> str:
        return types_[0]

    def call_api(self, path: str, method: str, path_params: Any, query_params: Any, *args: Any,
                 **kwargs: Any) -> None:  # fmt: skip
        self.call = {
            "path": path,
            "method": method,
            "path_params": dict(path_params),
            "query_params": list(query_params),
            "body": kwargs.get("body"),
            "answer": kwargs.get("response_type"),
        }


def operation(api: Any, name: str) -> dict[str, Any]:
    """The request the generated method *name* of *api* sends, and the answer it reads."""
    method = getattr(api, f"{name}_with_http_info")
    params = {
        pname: ptype
        for ptype, pname in _PARAM.findall(inspect.getdoc(method) or "")
        if pname != "async_req"
    }
    recorder: Recorder = api.api_client
    method(**{pname: f"<{pname}>" for pname in params})
    call = recorder.call
    by_value = {f"<{pname}>": pname for pname in params}
    return {
        "method": call["method"],
        "path": call["path"],
        "path_params": {wire: params[by_value[v]] for wire, v in call["path_params"].items()},
        "query_params": {wire: params[by_value[v]] for wire, v in call["query_params"]},
        "body": params["body"] if call["body"] is not None else None,
        "answer": call["answer"],
    }


def operations(client: types.ModuleType) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for api_name in APIS:
        cls = getattr(client, api_name)
        api = cls(Recorder())
        names = sorted(
            n.removesuffix("_with_http_info") for n in vars(cls) if n.endswith("_with_http_info")
        )
        for name in names:
            found[f"{api_name}.{name}"] = {"api": api_name, **operation(api, name)}
    return found


def model(cls: Any) -> dict[str, Any]:
    """A generated model class: its wire fields and the ones it requires, or its enum values."""
    swagger_types: dict[str, str] = cls.swagger_types
    attribute_map: dict[str, str] = cls.attribute_map
    if not swagger_types:
        values = [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str)]
        if values:
            return {"enum": values}
    required = []
    blank = cls.__new__(cls)  # setters refuse None for the fields the SDK requires
    for attr in swagger_types:
        try:
            setattr(blank, attr, None)
        except ValueError:
            required.append(attribute_map[attr])
    return {
        "fields": {attribute_map[attr]: kind for attr, kind in swagger_types.items()},
        "required": required,
    }


def models(client: types.ModuleType) -> dict[str, dict[str, Any]]:
    found = {}
    for name, cls in vars(client.models).items():
        if inspect.isclass(cls) and hasattr(cls, "swagger_types"):
            found[name] = model(cls)
    return dict(sorted(found.items()))


def build_contract(workdir: Path) -> dict[str, Any]:
    wheel = download_wheel(workdir)
    root = workdir / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(root)
    client = load_swagger_client(root)
    return {
        "source": {
            "package": SDK,
            "version": SDK_VERSION,
            "wheel": wheel.name,
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "module": "rime_sdk/swagger/swagger_client",
            "apis": list(APIS),
        },
        "operations": operations(client),
        "models": models(client),
    }


def render(contract: dict[str, Any]) -> str:
    return json.dumps(contract, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rime-sdk-") as tmp:
        text = render(build_contract(Path(tmp)))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            str(args.output),
            f"{SDK} {SDK_VERSION}",
        )
        sys.stdout.writelines(list(diff)[:200])
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
