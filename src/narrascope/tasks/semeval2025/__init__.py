"""SemEval-2025 Task 10: narratives (subtask 2) and entity framing (subtask 1)."""
