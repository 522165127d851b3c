"""Excel import/export pages."""
