"""Official shared-task metrics, re-implemented and tested on hand-computed cases."""
