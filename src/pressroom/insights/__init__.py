"""What is wrong with a PostgreSQL database, why, and the fix: the doctor's checks.

Every section inspects one aspect and returns a `Section` (findings, tables, charts) that the
CLI (`pressroom doctor`) and the dashboard render alike; neither face holds any logic of its own.
"""
