"""What every chat surface shares: dedupe, rate limits, admins, reindex, feedback, escalation.

Slack and Teams differ in how events arrive and how answers look, not in these rules, so the rules
live here once and the surfaces stay translations. `ChatServices` bundles them for a surface.
"""
