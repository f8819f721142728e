"""CheckThat! 2025 Task 1: subjectivity of news sentences."""
