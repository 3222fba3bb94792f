"""The planning pipeline: load → compile → evaluate / solve → rank → report.

Layers, lowest first (docs/layout.md): domain → inputs, rules, milp → search → analysis →
outputs → commands.
"""

from pathlib import Path

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
"""The bundled scenarios and their JSON Schemas, beside the package in the checkout."""
