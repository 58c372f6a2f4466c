"""Channel adapters: each turns the channel's input into `Incoming` and an outbox row into the channel's message."""
