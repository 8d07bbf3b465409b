"""The app's own records: tickets, feedback, seen deliveries, conversation memory and recorded questions.

They share the index's LanceDB database (one thing to back up, one URI for every replica) but not
its lifecycle: the index is rebuilt from the sources at will, these are written by people's
questions and clicks and are never rebuilt. `AppTables` opens them; each module owns one table.
"""
