"""Renderings of a planning run for people: the HTML briefing and its figures."""
