"""Stages: one module per public function; the only code that finds, reads and writes files and resolves settings."""
