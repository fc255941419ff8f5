// Placeholder until the module has sources.
