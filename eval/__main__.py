"""``python -m eval`` does the same as ``verbatim eval``."""

from __future__ import annotations

import argparse
import sys

from eval.harness import add_eval_arguments, run_eval
from verbatim.cli import run

parser = argparse.ArgumentParser(prog="python -m eval", description="Measure retrieval accuracy on question files.")
add_eval_arguments(parser)
parser.set_defaults(run=run_eval)
sys.exit(run(parser.parse_args()))
