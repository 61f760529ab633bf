"""Classifiers: the offline local model (default) and, later, AI services; plus injection checks."""
