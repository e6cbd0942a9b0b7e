"""The Live panel's settings: the source (LSL or a BrainFlow board) and the outputs."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from ...inference.live.wiring import SOURCES as _LIVE_SOURCES


class EVOKE_PG_live(bpy.types.PropertyGroup):
    """Where live EEG comes from and where the emotion goes (OSC, LSL)."""

    source: EnumProperty(  # type: ignore[valid-type]
        name="Source",
        # the one table of sources (the command line reads it too); identifiers as saved files hold them
        items=tuple((k.upper(), v.title, v.description) for k, v in _LIVE_SOURCES.items()),
        default="LSL",
    )
    stream: StringProperty(  # type: ignore[valid-type]
        name="Stream", default="EVOKE-replay", description="Name of the LSL EEG stream"
    )
    brainflow_board: StringProperty(  # type: ignore[valid-type]
        name="Board",
        default="synthetic",
        description="BrainFlow's name or id of the board: synthetic, playback, cyton, "
        "cyton_daisy, ganglion, muse_s, muse_2, unicorn, ... (BrainFlow's BoardIds)",
    )
    brainflow_serial_port: StringProperty(  # type: ignore[valid-type]
        name="Serial port", description="e.g. /dev/ttyUSB0 or COM3"
    )
    brainflow_mac_address: StringProperty(name="MAC address", description="Bluetooth boards")  # type: ignore[valid-type]
    brainflow_ip_address: StringProperty(name="IP address", description="WiFi boards")  # type: ignore[valid-type]
    brainflow_ip_port: IntProperty(name="IP port", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_ip_protocol: EnumProperty(  # type: ignore[valid-type]
        name="IP protocol",
        items=(("none", "None", "Not a network board"), ("udp", "UDP", ""), ("tcp", "TCP", "")),
        default="none",
    )
    brainflow_ip_address_aux: StringProperty(  # type: ignore[valid-type]
        name="IP address (aux)", description="Boards with a second data channel"
    )
    brainflow_ip_port_aux: IntProperty(name="IP port (aux)", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_ip_address_anc: StringProperty(  # type: ignore[valid-type]
        name="IP address (anc)", description="Boards with a third data channel"
    )
    brainflow_ip_port_anc: IntProperty(name="IP port (anc)", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_serial_number: StringProperty(  # type: ignore[valid-type]
        name="Serial number", description="Unicorn, Muse S and others: the device's serial"
    )
    brainflow_timeout: IntProperty(  # type: ignore[valid-type]
        name="Timeout (s)",
        min=0,
        max=3600,
        default=0,
        description="Seconds to search for a Bluetooth board (0: BrainFlow's default)",
    )
    brainflow_other_info: StringProperty(  # type: ignore[valid-type]
        name="Other info", description="Board-specific settings BrainFlow documents per board"
    )
    brainflow_file: StringProperty(  # type: ignore[valid-type]
        name="File", subtype="FILE_PATH", description="Playback board: a file BrainFlow wrote"
    )
    brainflow_file_aux: StringProperty(  # type: ignore[valid-type]
        name="File (aux)",
        subtype="FILE_PATH",
        description="Playback board: the recording's auxiliary data",
    )
    brainflow_file_anc: StringProperty(  # type: ignore[valid-type]
        name="File (anc)",
        subtype="FILE_PATH",
        description="Playback board: the recording's ancillary data",
    )
    brainflow_master_board: StringProperty(  # type: ignore[valid-type]
        name="Recorded by",
        default="synthetic",
        description="Playback board: the board that recorded the file",
    )
    osc_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send OSC", default=False, description="Send the emotion over OSC while live"
    )
    osc_target: StringProperty(  # type: ignore[valid-type]
        name="To",
        default="127.0.0.1:9000",
        description="host:port (VRChat listens on 9000); several, separated by commas",
    )
    osc_mode: EnumProperty(  # type: ignore[valid-type]
        name="Names",
        items=(
            (
                "vrchat",
                "VRChat",
                "/avatar/parameters/EVOKE/...: floats, an int, bools; at most 10 Hz",
            ),
            (
                "bfi",
                "VRChat + BFiVRC",
                "Also BrainFlowsIntoVRChat's parameters (Info, NeuroFB focus/relax, PwrBands), "
                "computed as it computes them",
            ),
            ("generic", "Generic", "PREFIX/valence ... with the emotion's name; any rate"),
        ),  # fmt: skip
        default="vrchat",
    )
    osc_prefix: StringProperty(  # type: ignore[valid-type]
        name="Prefix",
        default="",
        description="Address prefix; empty: the names' own (/avatar/parameters/EVOKE, /evoke)",
    )
    osc_rate: FloatProperty(name="Rate (Hz)", min=0.5, max=100.0, default=10.0)  # type: ignore[valid-type]
    osc_playback: BoolProperty(  # type: ignore[valid-type]
        name="OSC during playback",
        default=False,
        description="Send the baked emotion over OSC as the timeline plays",
    )
    lsl_out_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send LSL",
        default=False,
        description="Publish the emotion as an LSL stream (LabRecorder records it beside the EEG)",
    )
    lsl_out_name: StringProperty(name="Stream", default="EVOKE-emotion")  # type: ignore[valid-type]
    lsl_bands_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send band powers (LSL)",
        default=False,
        description="Publish relative band powers (left, right, average; delta-gamma) as an LSL stream",
    )
    lsl_bands_name: StringProperty(name="Stream", default="EVOKE-bands")  # type: ignore[valid-type]
