"""Publish: posts, their publications on accounts, scheduling, the dispatch engine, verification.

    schemas.py   API shapes (PostCreate, PublicationRead, the composer's ValidationReport …)
    service.py   rules and queries: checking a post against every target, creating, cancelling,
                 rescheduling, duplicating; the engine's conditional updates and queries
    flows.py     the engine: dispatch (two-phase publish), check (verification), reconcile
    tasks.py     worker tasks, enqueue-after-commit helpers, the periodic reconciler
    api.py       REST under /api/v1/workspaces/{workspace_id}/posts and …/publications

How the engine keeps "exactly once" is described in docs/publishing.md.
"""
