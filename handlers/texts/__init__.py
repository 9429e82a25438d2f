"""Every word the bot says (Chinese), one module per topic, reviewed in one place.

``common`` holds what several topics share; ``questions``, ``directory``, ``counsel``,
``reminders`` and ``help`` hold their topic's replies. Handlers compose no text themselves.
"""
