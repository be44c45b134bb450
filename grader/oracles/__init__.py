"""The three independent references: TensorFlow, SymPy and central differences."""
