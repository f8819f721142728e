"""CheckThat! 2024 Task 3: persuasion techniques as character spans."""
