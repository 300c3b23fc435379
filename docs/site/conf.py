# Sphinx configuration of the collection's docs site (`make docs`, scripts/build-docs.sh): the reference pages
# antsibull-docs generates from the plugins', modules' and roles' own documentation, plus the guides in docs/
# (Markdown, through myst-parser). Offline: no intersphinx inventories are fetched.
# pylint: disable=invalid-name

project = "progressive.delivery"
copyright = "progressive.delivery maintainers"  # pylint: disable=redefined-builtin
title = "progressive.delivery documentation"
html_short_title = "progressive.delivery"

extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext", "myst_parser"]
# Links into ansible-core's docs resolve through a local inventory (docs/site/ansible-docs-inventory.txt, written
# to objects-ansible.inv beside the generated sources by scripts/build-docs.sh): nothing is downloaded.
intersphinx_mapping = {"ansible_devel": ("https://docs.ansible.com/projects/ansible/devel/", "objects-ansible.inv")}
intersphinx_disabled_reftypes = []
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
nitpicky = True
# The guides link to files of the repository that are not pages of the site (scripts, tests, the simulator's
# sources); myst reports each such link as a missing cross-reference. Everything else stays an error (-W).
suppress_warnings = ["myst.xref_missing"]
