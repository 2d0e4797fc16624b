"""Flask hello world: the ceiling for a 2-worker gunicorn page view on this machine.

gunicorn -w 2 -b 127.0.0.1:8000 --chdir bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def hello(path: str) -> str:
    return f"<!doctype html><title>hello</title><p>Hello, world: /{path}</p>"
