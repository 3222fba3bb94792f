"""Formulation prototypes measured by the benchmark; not used by pocplan itself."""
