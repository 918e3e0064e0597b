"""Django's PostgreSQL backend with a cheaper health check of persistent connections (``base.DatabaseWrapper``)."""
