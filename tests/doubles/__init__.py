"""Test doubles: the in-process host and the hand-written Moodle fake (never shipped)."""
