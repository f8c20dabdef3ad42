"""Measure: metric snapshots, export imports, polling, dashboards, insights, reports."""
