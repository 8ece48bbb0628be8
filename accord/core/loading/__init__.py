"""The protocol loader's parts, one module for each thing it reads.

:mod:`accord.core.load` is the door: it assembles the loader from these parts and keeps
every public name importable from there.
"""
