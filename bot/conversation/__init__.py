"""The conversation: the one question flow every chat surface runs, and the rules it applies.

`ports.py` is what a surface provides (an `Incoming` message, a `Reply` port); `flow.py` is the
flow itself, `commands.py` the help / status / reindex commands, `wording.py` every sentence kb
says, and `services.py` the `ChatServices` the flow works with (dedupe, limits, admins, reindex,
feedback, escalation). Slack and Teams differ in how events arrive and how answers look, not in
these rules, so the rules live here once and the surfaces stay translations.
"""
