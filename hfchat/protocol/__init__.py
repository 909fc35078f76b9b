"""The sans-I/O protocol layer: request builders, stream decoder, body readers, error rules."""

from .turn import TurnAssembler, TurnState

__all__ = ["TurnAssembler", "TurnState"]
