"""The Flask app: `create_app`, the one error -> HTTP mapping, page context,
metrics, start-up and serving; `views/` holds one blueprint per area."""
