"""Development tools: the demo PKI (``pki``), the demo population (``demo``) and ``seed_demo``'s work (``seed``).

Nothing of the product imports this package at module level, and nothing imports it at all without DEBUG: the
demo CA, the demo seal and the demo accounts (with their published password) must never reach a deployment.
The product's only doors are ``deregistration.development`` (the development seal and demo CA, made on first need
with DEBUG) and the ``seed_demo`` command (refused without DEBUG). Tests and benchmarks use it freely.
"""
