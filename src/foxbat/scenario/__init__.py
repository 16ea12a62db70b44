"""Scenario files: schema (pydantic), loaders, built-in scenarios."""
