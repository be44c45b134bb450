"""Exercise specs, one module per chapter of the contract."""
