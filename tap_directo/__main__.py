"""`python -m tap_directo` runs the tap's command line, as `tap-directo` does."""

from tap_directo.tap import TapDirecto

TapDirecto.cli()
