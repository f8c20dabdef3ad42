"""Measure: imports, snapshots, polling, dashboards, insights, reports."""
