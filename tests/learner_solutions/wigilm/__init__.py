"""Our re-implementation of one learner's approach: test data for the checker (see tests/learner_solutions/__init__.py)."""
