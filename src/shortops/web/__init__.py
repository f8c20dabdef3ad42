"""Web pages: Jinja2 templates with htmx, vendored static files, English and Simplified Chinese."""
