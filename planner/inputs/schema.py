"""JSON Schemas (draft 2020-12) of the scenario file and the priorities file, generated
from the pydantic models so they cannot disagree with the loader.

The committed copies in `scenarios/schemas/` serve editors (the `# yaml-language-server:
$schema=...` first line of each bundled scenario); a test keeps them equal to what this
module produces. Regenerate them with `python -m planner.inputs.schema`.

A schema checks each object on its own; the cross checks (references, windows inside the
horizon, reach) exist only in `planner.inputs.checks`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from models.scenario import PrioritySubmission, Scenario
from planner import SCENARIOS_DIR

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = SCENARIOS_DIR / "schemas"


def _schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="validation")
    body["title"] = title
    return {"$schema": DRAFT_2020_12,
            "$comment": "Generated from the pydantic models by planner/schema.py; do not edit.",
            **body}


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, format v1 (docs/scenario-format.md)."""
    return _schema(Scenario, "pocplan scenario, format v1")


def priorities_json_schema() -> dict[str, Any]:
    """The JSON Schema of a head of office's priorities file (docs/scenario-format.md)."""
    return _schema(PrioritySubmission, "pocplan priority submission, format v1")


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as committed: 2-space indented JSON with a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write both schemas into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    schemas = {"scenario.schema.json": scenario_json_schema(),
               "priorities.schema.json": priorities_json_schema()}
    written = []
    for name, schema in schemas.items():
        target = directory / name
        target.write_text(schema_text(schema), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(path)
