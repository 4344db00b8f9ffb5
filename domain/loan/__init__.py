"""The Loan aggregate, built up area by area.

Each module adds one area of the lifecycle as a layer of a single inheritance
chain (core → inspections → classification → warnings → guarantees → collection →
workout → information → watch → disposal → zones → losses → fed → responsibility); :class:`Loan` is the last layer.
"""

from domain.loan.responsibility import Loan

__all__ = ["Loan"]
