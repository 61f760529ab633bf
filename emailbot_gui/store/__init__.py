"""Persistence: SQLAlchemy models, migrations and repositories. The only package with SQL in it."""
