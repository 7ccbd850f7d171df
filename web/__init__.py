"""Web pages: Jinja2 templates, static assets and translations (Vietnamese first)."""
