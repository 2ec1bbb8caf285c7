"""Views of the portal and the staff workspaces, one module per audience."""
