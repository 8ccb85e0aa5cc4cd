"""`python -m tap_directus`: the same as the `tap-directus` command."""

from tap_directus.tap import TapDirectus

TapDirectus.cli()
