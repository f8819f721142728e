"""Data loaders for the shared-task datasets and training code."""
