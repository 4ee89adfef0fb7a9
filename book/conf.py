"""The course's website (make book): Sphinx with MyST-NB renders the committed notebooks as they are, never running
them, from the repository itself: the start page is the home, then the chapters, the labs as learners get them
(labs/, no answers) and the README. Everything the pages load is in the built folder, so the site works offline."""
from serverless_workbook.course import book

project = "Serverless Architectures Workbook"
author = "the workbook's authors"
extensions = ["myst_nb"]

root_doc = book.HOME
include_patterns = ["README.md", "chapters/*.ipynb", "labs/*.ipynb"]
# Searched for sources otherwise: the environments and what builds write.
exclude_patterns = [".venv", ".venvs", "build", "workspace", "**/workspace", ".git", "node_modules"]

# Rendered from the stored outputs: a notebook is never executed for the site.
nb_execution_mode = "off"
myst_heading_anchors = 3
# Links with these schemes leave the site; every other link is to a page of it (tests/ui/test_ui_book.py resolves
# each one).
myst_url_schemes = ["http", "https", "mailto"]

html_theme = "sphinx_book_theme"
html_title = "Serverless Architectures Workbook"
html_extra_path = ["extra"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
# A mode set from the start: pydata's theme logs a console error for a page that has none.
html_context = {"default_mode": "light"}
html_css_files = ["book.css"]
html_static_path = ["static"]


def _for_the_page(app, document, source):
    if app.env.doc2path(document).suffix == ".ipynb":
        source[0] = book.for_the_page(document, source[0])


def setup(app):
    app.connect("source-read", _for_the_page)
