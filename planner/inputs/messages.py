"""Pydantic validation errors translated into located problems, each with a fix a
planning officer can act on."""
from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from planner.inputs.problems import KeyPath, ModelT, Problem, sorted_problems
from planner.inputs.source import FORMAT_DOC, Source, data_at, kind_of

# ---------------------------------------------------------------------------- validation
WINDOW_LIST_FIELDS = {"available", "ground_closed_weeks", "state_presence_weeks",
                      "air_closed_weeks"}
"""Fields holding a list of windows; every other `weeks` (bar horizon.weeks) is one window."""
LEVEL_FIELDS = {"probability", "impact"}
LEVELS_TEXT = "1-5 or very_low, low, medium, high, very_high"
_ID_PATTERN = re.compile(r"[^A-Za-z0-9_.-]+")
_FIELD_FIXES = {
    "population": "write the number of people exposed (0 or more)",
    "min_garrison": "write how many ground units stay home (0 or more)",
    "weight": "write a weight of 0 or more",
    "required_weeks": "write how many weeks of presence are wanted (1 or more)",
    "duration_weeks": "write how many weeks the mission runs (1 or more)",
    "min_stay_weeks": "write a number of weeks from 1 to 52",
}


def validate_model(model: type[ModelT], source: Source) -> tuple[ModelT | None, list[Problem]]:
    """The file's data as `model`, or None and every validation error as a Problem."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    return None, sorted_problems(_problem_from_error(err, model, source) for err in errors)


def _problem_from_error(err: Mapping[str, Any], model: type[BaseModel],
                        source: Source) -> Problem:
    path, at_key = _data_path(err["loc"], source.data, err["type"])
    explained = _window_problem(err["type"], path, source.data)
    if explained is None:
        explained = _explain(err, path, at_key, model, source)
    target, message, fix, on_key = explained
    return source.problem(target, message, fix, key=on_key,
                          where=target[:-1] if on_key else target)


def _data_path(loc: Sequence[str | int], data: Any, err_type: str) -> tuple[KeyPath, bool]:
    """Map a pydantic `loc` onto the file's data: schema tags are skipped, a missing or
    unknown key ends the path, `[key]` marks an error about a mapping's key."""
    path: list[str | int] = []
    node = data
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        if seg == "[key]":
            return tuple(path), True
        if isinstance(node, dict) and isinstance(seg, str) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
            node = node[seg]
        elif last and err_type in ("missing", "extra_forbidden"):
            node = None
        else:
            continue  # a schema tag such as 'function-after[...]', not a key of the file
        path.append(seg)
    return tuple(path), False


Explained = tuple[KeyPath, str, str, bool]
"""(where to point, message, fix, point at the key rather than the value)."""


def _field_name(path: KeyPath) -> str:
    return next((seg for seg in reversed(path) if isinstance(seg, str)), "value")


def _label(path: KeyPath) -> str:
    """The last key with any list indices after it: `weeks[0]`, `population`."""
    i = len(path)
    while i > 0 and isinstance(path[i - 1], int):
        i -= 1
    head = str(path[i - 1]) if i > 0 else "item"
    return head + "".join(f"[{seg}]" for seg in path[i:])


def _show(value: Any, text: str | None = None) -> str:
    if text is not None:
        return text
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list) and len(value) <= 6:
        rendered = json.dumps(value, default=str)
        if len(rendered) <= 40:
            return rendered
    return kind_of(value) if isinstance(value, dict | list) or value is None else str(value)


def _window_field(path: KeyPath) -> tuple[KeyPath, bool] | None:
    """The path of the window field `path` is in, and whether it holds a list of windows."""
    for i in range(len(path) - 1, -1, -1):
        seg = path[i]
        if seg in WINDOW_LIST_FIELDS:
            return path[: i + 1], True
        if seg == "weeks" and path[:i] != ("horizon",):
            return path[: i + 1], False
        if isinstance(seg, str):
            return None
    return None


def _window_problem(err_type: str, path: KeyPath, data: Any) -> Explained | None:
    """One clear message for a window written in the wrong shape, whichever item erred."""
    if err_type not in ("tuple_type", "too_short", "too_long", "missing", "list_type",
                        "int_type", "int_parsing", "int_from_float"):
        return None
    found = _window_field(path)
    if found is None:
        return None
    field_path, is_list = found
    name = str(field_path[-1])
    value = data_at(data, field_path)
    if is_list and _is_window(value):
        return (field_path, f"{name} is a list of windows, got one window {_show(value)}",
                f"write {name}: [{_show(value)}]", False)
    if is_list and len(path) > len(field_path):
        item_path = field_path + path[len(field_path):len(field_path) + 1]
        item = data_at(data, item_path)
        if err_type in ("int_type", "int_parsing", "int_from_float") and not isinstance(item, list):
            return None
        return (item_path, f"{_label(item_path)} must be a window [first, last], got "
                f"{_show(item)}", "write two weeks, e.g. [1, 4]", False)
    if is_list:
        return (field_path, f"{name} must be a list of windows, got {_show(value)}",
                f"write e.g. {name}: [[1, 4]]", False)
    if isinstance(value, list) and len(value) == 1 and _is_window(value[0]):
        return (field_path, f"{name} is one window [first, last], not a list of windows",
                f"write {name}: {_show(value[0])}", False)
    if err_type in ("int_type", "int_parsing", "int_from_float") \
            and not isinstance(data_at(data, path), list):
        return None
    example = (f"{name}: [{value}, {value}] for one week" if isinstance(value, int)
               else f"two weeks, e.g. {name}: [1, 4]")
    return (field_path, f"{name} must be a window [first, last], got {_show(value)}",
            f"write {example}", False)


def _is_window(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


def _explain(err: Mapping[str, Any], path: KeyPath, at_key: bool, model: type[BaseModel],
             source: Source) -> Explained:
    err_type: str = err["type"]
    value = err.get("input")
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    name, label = _field_name(path), _label(path)
    shown = _show(value, source.marks.text(path))
    if err_type == "extra_forbidden":
        allowed = list(_model_fields(model, path[:-1]))
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        fix = (f"did you mean '{close[0]}'?" if close else
               "remove it; the keys allowed here are " + ", ".join(allowed))
        return path, f"unknown key '{path[-1]}'", fix, True
    if err_type == "missing":
        description = _model_fields(model, path[:-1]).get(str(path[-1]), "")
        fix = f"add {path[-1]}:" + (f" ({description.rstrip('.')})" if description else "")
        return path[:-1], f"missing required key '{path[-1]}'", fix, False
    if err_type in ("enum", "literal_error"):
        allowed = _expected(ctx.get("expected", ""))
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        fix = ((f"did you mean '{close[0]}'? Use" if close else "use")
               + " one of " + ", ".join(allowed))
        if at_key:
            return path, f"unknown key '{value}' in {_field_name(path[:-1])}", fix, True
        if isinstance(value, str):
            return path, f"unknown {name} '{value}'", fix, False
        return path, f"{label} must be one of {', '.join(allowed)}, got {shown}", fix, False
    if name in LEVEL_FIELDS:
        return (path, f"{name} must be {LEVELS_TEXT}, got {shown}",
                "use a whole number 1-5 or one of very_low, low, medium, high, very_high", False)
    if value is None and err_type.endswith("_type"):
        return (path, f"{label} is empty", "fill in a value or remove the key", False)
    if err_type in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return path, *_bound_message(err_type, ctx, path, name, label, shown), False
    message, fix = _type_message(err_type, value, ctx, path, name, label, shown, err)
    return path, message, fix, False


def _bound_message(err_type: str, ctx: Mapping[str, Any], path: KeyPath, name: str,
                   label: str, shown: str) -> tuple[str, str]:
    if name in ("lat", "lon"):
        span = "-90 to 90" if name == "lat" else "-180 to 180"
        return (f"{name} {shown} is not on Earth: {'latitude' if name == 'lat' else 'longitude'} "
                f"runs {span}", "write decimal degrees, e.g. {lat: 14.53, lon: -4.10}, and "
                "check lat and lon are not swapped")
    words = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
             "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    phrase, key = words[err_type]
    bound = ctx.get(key)
    bound_text = f"{bound:g}" if isinstance(bound, float) else str(bound)
    if _window_field(path) is not None or path == ("horizon", "weeks"):
        fix = "weeks are numbered from 1, and a horizon has at most 52 weeks"
    else:
        fix = _FIELD_FIXES.get(name, f"use a value {phrase} {bound_text}")
    return f"{label} must be {phrase} {bound_text}, got {shown}", fix


def _type_message(err_type: str, value: Any, ctx: Mapping[str, Any], path: KeyPath,
                  name: str, label: str, shown: str,
                  err: Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(value, bool) and err_type in ("int_type", "float_type"):
        return (f"{label} must be a number, got {shown} (a yes/no value)",
                "write a number; true, yes and on are yes/no values, not 1")
    if err_type in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, str):
            return f"{label} must be a whole number, got {shown}", "write it without quotes"
        example = f", e.g. {int(value)}" if isinstance(value, float) else ""
        return f"{label} must be a whole number, got {shown}", f"write a whole number{example}"
    if err_type == "finite_number":
        return f"{label} must be a finite number, got {shown}", "write an ordinary number"
    if err_type in ("float_type", "float_parsing"):
        return f"{label} must be a number, got {shown}", "write a plain number, without quotes"
    if err_type in ("bool_type", "bool_parsing"):
        return f"{label} must be true or false, got {shown}", "write true or false"
    if err_type == "string_type":
        text = shown.strip("'")
        return f"{label} must be text, got {shown}", f"put it in quotes: {name}: \"{text}\""
    if err_type in ("model_type", "model_attributes_type", "dict_type"):
        example = " {lat: 14.53, lon: -4.10}" if name == "location" else ""
        return (f"{label} must be a mapping of keys, got {kind_of(value)}",
                f"write it as key: value pairs{example}")
    if err_type == "list_type":
        return f"{label} must be a list, got {shown}", "write a list: [a, b] or one '- item' a line"
    if err_type == "too_short" and isinstance(value, list):
        return f"{label} must not be empty", f"add at least one {name.removesuffix('s')}"
    if err_type == "string_too_short":
        return f"{label} must not be empty", f"write a {name}"
    if err_type == "string_too_long":
        return (f"{label} is longer than {ctx.get('max_length')} characters",
                "shorten it")
    if err_type == "string_pattern_mismatch":
        suggestion = _ID_PATTERN.sub("-", str(value)).strip("-") or "KORO"
        return (f"{label} {shown} may contain only letters, digits, '_', '.' and '-'",
                f"e.g. '{suggestion}'")
    if err_type.startswith(("date_", "datetime_")):
        return f"{label} must be a date, got {shown}", "write YYYY-MM-DD, e.g. 2018-07-02"
    if err_type in ("value_error", "assertion_error"):
        text = str(err.get("msg", "")).removeprefix("Value error, ")
        message, _, fix = text.partition("; ")
        return message, fix or FORMAT_DOC
    return f"{label}: {err.get('msg', 'invalid value')}", FORMAT_DOC


def _expected(text: str) -> list[str]:
    quoted = re.findall(r"'([^']*)'", text)
    return quoted or [part for part in re.split(r",\s*|\s+or\s+", text) if part]


def _model_fields(model: type[BaseModel], path: KeyPath) -> dict[str, str]:
    """The keys allowed at `path` (the model found there), with their descriptions."""
    found = _model_at(model, path)
    if found is None:
        return {}
    return {name: info.description or "" for name, info in found.model_fields.items()}


def _model_at(model: type[BaseModel], path: KeyPath) -> type[BaseModel] | None:
    tp: Any = model
    for seg in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(seg) if isinstance(seg, str) else None
            if info is None:
                return None
            tp = info.annotation
            continue
        origin, args = get_origin(tp), get_args(tp)
        if origin is list and args:
            tp = args[0]
        elif origin is tuple and args and isinstance(seg, int):
            tp = args[min(seg, len(args) - 1)]
        elif origin is dict and args:
            tp = args[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional around a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(tp) if a is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp
