"""Holds the ``sitecustomize`` that ``ac-fixer audit`` puts first on ``PYTHONPATH``.

A package only so that it is installed with ac-fixer; nothing imports it as a package.
"""
