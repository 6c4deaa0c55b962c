"""Small adapters to third-party libraries, configured in one place."""
