"""Ventanilla's custom actions, one module per concern. Importing this package has no side effects."""
