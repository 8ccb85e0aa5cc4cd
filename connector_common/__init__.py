"""Code shared by tap-directo, tap-directus and target-dokus: rate limiting, retries, redaction."""

# The one distribution that ships all three plugins: singer-sdk reads --version from it.
DISTRIBUTION_NAME = "directo-dokus-singer"
