"""Collection (催收): the steps of the ladder taken on a loan in arrears."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.collection import TakeCollectionStep

# One tag with the workout's routes: the API's documentation shows them together, as before.
router = APIRouter(prefix="/loans/{loan_no}", tags=["collection and workout"])

command_route(router, "/collection-steps", TakeCollectionStep, schema="CollectionStepCreate")
