"""MkDocs hook: copy a local MathJax into the built site.

The pages load MathJax from ``assets/mathjax/`` of the site itself, never from
a CDN. The files come from the PyPI package ``django-static-mathjax`` (it
installs MathJax 3 as the Python package ``mathjax``; Django is not needed).
Only the parts the pages use are copied: the TeX-to-HTML bundle, its fonts,
the TeX extensions it may autoload, and the menu and accessibility modules
it may load on demand.
"""

import importlib.resources
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

PARTS = [
    "tex-chtml.js",
    "input",
    "output/chtml",
    "output/chtml.js",
    "a11y",
    "sre",
    "ui",
    "adaptors",
    "core.js",
    "loader.js",
    "startup.js",
]


def mathjax_source():
    try:
        root = importlib.resources.files("mathjax") / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "tex-chtml.js").is_file():
        raise PluginError(
            "MathJax is not installed: run `pip install django-static-mathjax` "
            "(it ships MathJax 3 for offline use)"
        )
    return Path(str(root))


def on_post_build(config, **kwargs):
    source = mathjax_source()
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        elif (source / part).is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)
