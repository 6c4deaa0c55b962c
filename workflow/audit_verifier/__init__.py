"""What a participating body runs on its own: it keeps its cosigned checkpoints in a folder
(its *witness folder*) and checks that a log it is handed is an extension of them.

It imports the pure tree and note maths and nothing of the engine's database, queue or
settings (an import-linter contract in pyproject.toml proves it), so a body can run
``python -m workflow.audit_verifier`` on a copy of this package alone, on its own machine.
"""
