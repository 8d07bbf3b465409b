"""Slack: a translation layer between Bolt and the conversation flow (`bot.conversation.flow`).

`events` turns Slack payloads into the flow's terms and back, `reply` does what only Slack's Web API
can (threads, drafts, reactions, DMs), `blocks` draws Block Kit, `queue` posts escalation tickets,
`people` and `groups` say who the asker is, `text` reads Slack's markup, `client` builds the Web API
client, and `surface` wires the Bolt app into the one HTTP server (`bot.server` imports it from there, so
reading `groups` or `client` alone, as `kb status` does, does not load Bolt).
"""
