"""The JSON API (``/api/v1/``): a door onto the services and selectors, like the pages and the admin."""
