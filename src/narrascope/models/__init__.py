"""Encoders, classifier heads and shipped model artifacts (artifacts/<name>/)."""
