"""Public stages: one module per public function (finds/reads/writes files, resolves settings)."""
