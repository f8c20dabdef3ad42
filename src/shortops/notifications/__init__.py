"""Notifications: in the app, and out by webhook and e-mail when the workspace asks."""
