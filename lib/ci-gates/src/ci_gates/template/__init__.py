"""Instantiate the template and adopt its gates: ``python -m ci_gates.template rename|adopt ...``."""
