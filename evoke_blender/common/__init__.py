"""Shared by the features: operator and panel bases, F-curves across versions, the model cache."""
