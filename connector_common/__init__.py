"""Code shared by tap-directo, tap-directus and target-dokus: rate limiting, retries, redaction."""
