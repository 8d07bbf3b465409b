"""What kb could not answer: the question report, built from the questions the chat flow recorded.

`recorder` writes the app's `questions` table (`bot.records.questions`: keyed asker hashes, crisis
text withheld, retention), `report` reads it with the tickets and the index's documents into the
`kb report --json` contract, `topics` groups gap questions with the embedding model, `text` and
`html` render the report for chat and the terminal, and for a browser.

A layer of its own between the answer core (`bot.answer`, `bot.policy`) and `bot.runtime`: the chat
flow records through `ChatServices` (`bot.conversation`), and the `report` command, the weekly
digest (`bot.conversation.report`) and `kb report` (`bot.cli`) read from here.
"""
