"""Drop-in replacements for other sandboxes' Python APIs, backed by airlock.

- :mod:`airlock.compat.amla`: amla-sandbox's ``create_sandbox_tool``.
"""
