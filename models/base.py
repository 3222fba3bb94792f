"""The one strict, frozen base model every schema of pocplan derives from."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError


class StrictModel(BaseModel):
    """Unknown keys are errors, instances are immutable, field docstrings become schema text."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=True,
    )


Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", min_length=1, max_length=64)]
"""An id as docs/scenario-format.md allows it: letters, digits, `_`, `.`, `-`."""

Week = Annotated[int, Field(ge=1, le=52, strict=True)]
"""A 1-based week of the planning horizon."""

Window = tuple[Week, Week]
"""An inclusive window of weeks `[a, b]`; a ≤ b and b ≤ horizon are checked against the scenario."""

def reject_bool(value: Any) -> Any:
    """`true`, `yes` and `on` are yes/no values in YAML, never the number 1."""
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


def is_control(char: str, *, newlines: bool = True) -> bool:
    """A character a terminal may obey rather than show: C0 and C1 controls (but tab, and
    line breaks when `newlines`) and the bidirectional overrides that reorder a line."""
    if char in "\t" or (newlines and char in "\n\r"):
        return False
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or 0x202A <= code <= 0x202E \
        or 0x2066 <= code <= 0x2069


def _no_control(value: str, *, newlines: bool = True) -> str:
    bad = next((c for c in value if is_control(c, newlines=newlines)), None)
    if bad is not None:
        raise ValueError(f"the text holds the control character U+{ord(bad):04X}, which a "
                         "terminal would obey rather than show; remove it")
    return value


PlainText = Annotated[str, AfterValidator(_no_control)]
"""Text from a user that pocplan prints: no control characters (tab and line breaks
allowed), so a scenario cannot drive the terminal it is shown on."""

OneLine = Annotated[str, AfterValidator(lambda v: _no_control(v, newlines=False))]
"""PlainText on one line (no line breaks either)."""

Number = Annotated[float, BeforeValidator(reject_bool)]
"""A real number; a yes/no value is refused rather than read as 0 or 1."""

NonNegative = Annotated[float, BeforeValidator(reject_bool), Field(ge=0)]


class ThreatCategory(StrEnum):
    """Threat sub-categories of the 2017 MINUSMA POC strategy (docs/scenario-format.md)."""

    INTERCOMMUNAL = "intercommunal"
    BANDITRY = "banditry"
    ARMED_GROUP_ABUSE = "armed_group_abuse"
    TERRORIST_ATTACKS = "terrorist_attacks"
    ARMED_GROUP_CONFLICT = "armed_group_conflict"
    STATE_VIOLATIONS = "state_violations"


class UnitKind(StrEnum):
    """The built-in unit kinds of docs/scenario-format.md."""

    INFANTRY_COMPANY = "infantry_company"
    QRF_COMPANY = "qrf_company"
    FPU = "fpu"
    ESCORT_TEAM = "escort_team"
    ATTACK_HELICOPTER = "attack_helicopter"
    UTILITY_HELICOPTER = "utility_helicopter"


class Domain(StrEnum):
    GROUND = "ground"
    AIR = "air"
