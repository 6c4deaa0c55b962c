"""The application: commands and their handlers, the message bus, who may do what, the
read models every entry point asks, and the jobs Celery tasks call.

It uses the domain for every rule and the store to persist; it never imports an entry
point (``cli``, ``api``, ``web``) or ``bootstrap``: what a handler needs is handed to it.
"""
