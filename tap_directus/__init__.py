"""tap-directus: Singer tap for Directus 6 (API 1.1)."""
