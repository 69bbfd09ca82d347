"""Pure numpy/scipy algorithms on arrays and typed settings: no file I/O, no torch (tests/test_layers.py)."""
