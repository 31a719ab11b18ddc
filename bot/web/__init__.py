"""The aiohttp application: webhooks, the simulator page and its API, the health check."""
