"""Storage: SQLAlchemy models, sessions, named write operations with audit, and queries.

The only package with SQL. Writes go through ``operations``; reads return plain values.
"""
