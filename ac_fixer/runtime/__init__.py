"""Runtime parts: the only place torch is imported (lazily)."""
