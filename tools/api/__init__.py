"""PixelForge's HTTP API for developers: POST /api/v1/remove-background, its OpenAPI document
and its documentation page."""
