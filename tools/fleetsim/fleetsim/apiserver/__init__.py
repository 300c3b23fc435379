"""The HTTP face of one cluster: an aiohttp application that speaks the Kubernetes REST API."""
