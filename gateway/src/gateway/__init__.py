"""The gateway: the only public door. Authenticates, signs the internal principal, routes to services."""
