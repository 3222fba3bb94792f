"""Pydantic data models of pocplan: the scenario format v1 and the plan (no solver imports)."""
