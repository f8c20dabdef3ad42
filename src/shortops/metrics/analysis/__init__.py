"""Measure's insights: best time to post, what drives views, early forecasts and alerts.

The modules `best_time`, `drivers`, `forecast` and `alerts` are pure: they take plain samples
and return result objects whose sentences are English templates (`N_`) with their parameters
kept apart, so pages translate them. `loaders` reads the database (respecting the dashboards'
filters) and writes what the insights produce (account curves, alerts); it never commits.
"""
