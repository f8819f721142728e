"""Feature command modules (each exposes ``register(main)``); see ``narrascope.cli.COMMAND_MODULES``."""
