"""SemEval-2023 Task 3: genre, frames and persuasion techniques."""
