"""Platform connectors: one package per platform behind one contract (`base.Provider`)."""
