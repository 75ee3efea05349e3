"""Instantiate the template and adopt its gates: ``python -m ci.template rename|adopt ...``."""
