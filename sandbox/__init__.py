"""Local emulators of the Directo, Directus 1.1 and Dokus APIs, written from their documentation."""
