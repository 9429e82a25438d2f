"""Compliance reports, each counsel-village-month judged by :mod:`storage.quota`.

``month``: one row per counsel-village-month (and the judging every report shares);
``summary``: per counsel over a half-year or a year; ``campaign``: the Q13 counts.
``queries`` holds the few reads they share. A report costs a fixed number of queries
whatever its size, then judges in memory.
"""
