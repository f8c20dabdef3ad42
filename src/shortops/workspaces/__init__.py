"""Users, workspaces, memberships and roles, sign-in, API tokens, audit log."""
