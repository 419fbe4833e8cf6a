"""``python -m index_build`` does the same as ``verbatim index``."""

from __future__ import annotations

import argparse
import sys

from verbatim.cli import add_index_arguments, run, run_index

parser = argparse.ArgumentParser(prog="python -m index_build", description="Chunk, embed and index a corpus folder.")
add_index_arguments(parser)
parser.set_defaults(run=run_index)
sys.exit(run(parser.parse_args()))
