"""Microsoft Teams: a translation layer between the Bot Framework and the conversation flow.

`botframework` is the only module that knows the SDK (botbuilder-python); `activity` reads the
activity JSON, `events` turns activities into the flow's terms, `reply` does what only Teams can
(cards in the thread, drafts updated in place, typing, proactive reports), `cards` draws Adaptive
Cards, `queue` posts escalation tickets, `people` and `groups` (over `graph`) say who the asker is,
and `surface` guards `/api/messages` and wires it into the one HTTP server.
"""
