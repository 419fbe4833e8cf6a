"""Dependencies the routes take; tests swap what the app holds, not the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.core.config import Settings
from service.core.resources import Resources
from verbatim.errors import IndexUnavailableError


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_resources(request: Request) -> Resources:
    resources = request.app.state.holder.current
    if resources is None:
        raise IndexUnavailableError("the index is not loaded yet; try again in a moment")
    return resources


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
