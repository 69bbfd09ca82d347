"""The only torch/Lightning code: training data (data), networks (models), batched inference (inference)."""
