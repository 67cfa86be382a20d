"""The base of every event's data, and the registry of CloudEvent ``type`` -> model.

Events carry ids and codes, never a person's name, contact, whereabouts or free text: those
travel only on ``vod.people``, encrypted. ``test_events`` checks every field name against that.
"""
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type["EventData"]] = {}


class UnknownEventType(LookupError):
    """A CloudEvent ``type`` no model is registered for (perhaps a newer version)."""


class EventData(BaseModel):
    # Readers ignore fields they do not know, so adding an optional field is not a new version.
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_name: ClassVar[str]
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "event_name" in cls.__dict__:
            type_name = cls.type_name()
            if type_name in _REGISTRY:
                raise TypeError(f"{type_name} is registered twice")
            _REGISTRY[type_name] = cls

    @classmethod
    def type_name(cls) -> str:
        """The CloudEvent ``type``: ``vod.<EventName>.v<N>``."""
        return f"vod.{cls.event_name}.v{cls.version}"


def model_for(type_name: str) -> type[EventData]:
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def registered_types() -> dict[str, type[EventData]]:
    return dict(_REGISTRY)
