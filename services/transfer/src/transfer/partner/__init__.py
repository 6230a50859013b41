"""The partner API between regions' agencies: signed documents out through an outbox, in idempotently."""
