"""The sweep file of `pocplan sweep`: named what-if variants and/or a grid of score
weights and policy values, each point solved independently (README, "When one machine is
not enough")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from models.scenario import InputModel


class SweepVariant(InputModel):
    """One named variant: what-if changes written as `pocplan whatif` takes them."""

    name: str = Field(min_length=1)
    """How the variant is called in the results."""
    add_unit: list[str] = []
    """ID:KIND@BASE, e.g. HEL-2:attack_helicopter@SEV."""
    remove_unit: list[str] = []
    """Unit ids to remove, with their commitments."""
    garrison: list[str] = []
    """BASE=N: a base's min_garrison."""
    require: list[str] = []
    """UNIT@HOTSPOT:A-B pins to require."""
    forbid: list[str] = []
    """UNIT@HOTSPOT:A-B pins to forbid."""
    weight: list[str] = []
    """NAME=VALUE score weights."""
    policy: list[str] = []
    """KEY=VALUE policy values."""


Scalar = float | int | str | bool


class SweepFile(InputModel):
    """Variants, a grid, or both: every variant (and the scenario as given) at every grid
    point."""

    variants: list[SweepVariant] = []
    """Named variants; the scenario as given is always solved too, as the reference."""
    grid: dict[Literal["weight", "policy"], dict[str, Annotated[list[Scalar],
                                                                Field(min_length=1)]]] = {}
    """Axes of the grid: score weights and policy keys, each with its list of values; every
    combination is a point."""
