"""`python -m target_dokus` runs the target-dokus CLI."""

from target_dokus.target import TargetDokus

TargetDokus.cli()
