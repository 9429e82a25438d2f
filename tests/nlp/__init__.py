"""Tests of the question classifier (nlp/)."""
