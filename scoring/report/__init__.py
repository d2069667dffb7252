"""Scorecard and ranking documents: view models, templates, CSS, fonts and PDF output."""
