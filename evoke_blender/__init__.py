"""Everything that touches bpy. The runtime it drives lives in ../inference (numpy only)."""


def register() -> None:
    from .registration import register as _register

    _register()


def unregister() -> None:
    from .registration import unregister as _unregister

    _unregister()
