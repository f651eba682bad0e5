"""A BlazeMeter API simulator: a separate program that happens to ship with the gate.

It knows nothing of the gate's internals; it speaks BlazeMeter's status and stop
endpoints over real HTTP, from scenario files (see `scenario.py` and docs/SCENARIOS.md).
"""
