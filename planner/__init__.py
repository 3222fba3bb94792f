"""The planning pipeline: load → compile → evaluate / solve → rank → report."""
