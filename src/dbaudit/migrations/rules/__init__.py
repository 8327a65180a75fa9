"""Migration safety rules, one module per concern: locks, rewrites, rollback, deploy, graph."""
