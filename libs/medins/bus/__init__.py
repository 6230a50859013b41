"""The event bus of ARCHITECTURE section 6: envelope, outbox, relay, inbox, consumer, dead letters."""
