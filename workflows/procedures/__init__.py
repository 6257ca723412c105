"""The procedure book (P01–P31) as versioned definitions, and the engine that runs them:
instances per centre, tasks in people's inboxes, decisions, approvals (issue 6)."""
