"""What kb could not answer: every chat question recorded once, and the report built from them.

`questions` is the table, `recorder` writes it (keyed asker hashes, crisis text withheld,
retention), `report` reads it with the tickets and documents tables into the `kb report --json`
contract, `topics` groups gap questions with the embedding model, `html` and `digest` render the
report for a browser and for chat, `chat` is the `/kb report` (Slack) and `report` (Teams) command.
"""
