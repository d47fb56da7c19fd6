"""Regenerate screenshots/: one SVG per screen of the flow, against a temporary local
instance with demo data.  Run: ``.venv/bin/python -m tests.snapshots.screenshots``."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from tests.support.local import Local
from tests.support.scenario import SIZE, STEPS, demo_app, demo_instance

OUT = Path(__file__).resolve().parents[2] / "screenshots"


async def shoot(name: str, local: Local) -> None:
    app = demo_app(local)
    async with app.run_test(size=SIZE) as pilot:
        await STEPS[name](pilot)
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in STEPS:
        with tempfile.TemporaryDirectory() as tmp, demo_instance(Path(tmp)) as local:
            asyncio.run(shoot(name, local))
        print(f"wrote screenshots/{name}.svg")


if __name__ == "__main__":
    main()
