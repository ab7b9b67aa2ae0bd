"""The rules and transactions of the review, free of Flask request objects.

Each function takes the session explicitly and names the acting user (`by`); whatever changes state
also appends an audit event in the same transaction.
"""
