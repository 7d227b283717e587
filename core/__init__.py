"""The ground floor: what the apps share (phone numbers, the client's address, the
page cache, readable admin history, the clinic's identity and the staff role names).

Nothing here imports an app or the project package: imports run clinic → apps → core.
"""
