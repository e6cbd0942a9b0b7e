"""The avatar's face as a live output: shape keys (and the VRM add-on's expressions), eased.

Each update sets a target (one emotion's preset, or the eight blended by probability); the face
eases towards it over 0.4 s (`inference.face.easing`, the curve a bake keys). A lost source
relaxes it to rest. The face's state properties and the keyframe recorder follow what is written.
Every mesh of the avatar that carries driven keys (head, teeth, eyes) is one slice of the values
eased together, so they move as one face.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import bpy
import numpy as np

from ...inference.errors import InputError
from ...inference.face.easing import FaceEase
from ...inference.face.presets import Presets
from ...inference.live.processor import LiveUpdate
from ..common import face_state
from ..common.face_drive import VRM_ADDON, face_drive
from .record import LiveRecording, RecordingReport, write_recording

LOST_EASE_S = 1.5  # a lost source's face relaxes to neutral this slowly


class FaceOutput:
    def __init__(self, face: Any, presets: Presets, emotions: Sequence[str], *,
                 name_map: dict[str, str] | None, profile: str, blend: bool) -> None:  # fmt: skip
        self.drive = face_drive(face, presets, emotions, name_map=name_map, profile=profile)
        self.emotions = json.dumps(list(emotions))  # what the state's emotion index means
        self.blend = blend  # blend the eight presets by probability, or show the one emotion
        # every driven mesh's key blocks, one after another: (mesh name, its slice of the values)
        self.parts: list[tuple[str, slice]] = []
        to_blocks, start = [], 0
        for mesh, cols in self.drive.part_meshes(face):
            blocks = mesh.data.shape_keys.key_blocks
            block_index = {b.name: i for i, b in enumerate(blocks)}
            # (emotions, n_blocks): weights straight onto every key block (unused ones stay 0)
            part = np.zeros((len(self.drive.matrix), len(blocks)), dtype=np.float32)
            for col in cols:
                part[:, block_index[self.drive.columns[col][1]]] = self.drive.matrix[:, col]
            self.parts.append((mesh.name, slice(start, start + len(blocks))))
            to_blocks.append(part)
            start += len(blocks)
        self.to_blocks = np.hstack(to_blocks)
        self.values = np.zeros(self.to_blocks.shape[1], dtype=np.float32)  # what it shows now
        self.ease = FaceEase(len(self.values))
        self.driven = self.to_blocks.any(axis=0)  # key blocks the presets move
        # the VRM add-on's expressions, when those are what the face profile drives
        expressions = self.drive.indices(VRM_ADDON)
        self.expressions = [self.drive.columns[i][1] for i in expressions]
        self.to_expressions = self.drive.matrix[:, expressions].astype(np.float32)
        self.expression_values = np.zeros(len(expressions), dtype=np.float32)
        self.expression_ease = FaceEase(len(expressions))
        self.recording: LiveRecording | None = None
        self._shown: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 0.0)  # V, A, D, conf
        self._shown_emotion = 0

    def show(self, update: LiveUpdate, now: float) -> None:
        """Ease towards this update's face."""
        weights = update.weights.astype(np.float32)
        if self.blend:
            self.ease.towards(weights @ self.to_blocks, now)
            self.expression_ease.towards(weights @ self.to_expressions, now)
        else:
            self.ease.towards(self.to_blocks[update.emotion], now)
            self.expression_ease.towards(self.to_expressions[update.emotion], now)

    def relax(self, now: float) -> None:
        """Ease to rest (once: a face already on its way there is left alone)."""
        if self.ease.target.any() or self.expression_ease.target.any():
            self.ease.towards(np.zeros_like(self.values), now, LOST_EASE_S)
            self.expression_ease.towards(np.zeros_like(self.expression_values), now, LOST_EASE_S)

    def moving(self, now: float) -> bool:
        return self.ease.moving(now) or self.expression_ease.moving(now)

    def write(self, face: Any, update: LiveUpdate | None, now: float) -> None:
        self.values = self.ease.at(now)
        self.expression_values = self.expression_ease.at(now)
        for mesh, part in self._meshes(face):
            mesh.data.shape_keys.key_blocks.foreach_set("value", self.values[part])
            mesh.data.update()
        if self.expressions:
            self.drive.set_expressions(
                face, dict(zip(self.expressions, self.expression_values.tolist(), strict=True))
            )
        if update is not None:
            v, a, d = (float(p) for p in update.probs)
            self._shown, self._shown_emotion = (v, a, d, float(update.confidence)), update.emotion
            face_state.set_state(face, (v, a, d), self._shown[3], update.emotion)
            if face.get(face_state.EMOTION_NAMES) != self.emotions:
                face[face_state.EMOTION_NAMES] = self.emotions
        if self.recording is not None:
            self.recording.add(now, self.values, self._shown, self._shown_emotion)

    def _meshes(self, face: Any) -> list[tuple[Any, slice]]:
        """The driven meshes as they are now (one deleted during the session is left out)."""
        found = []
        for name, part in self.parts:
            mesh = face if name == face.name else bpy.data.objects.get(name)
            keys = mesh.data.shape_keys if mesh is not None and mesh.type == "MESH" else None
            if keys is not None and len(keys.key_blocks) == part.stop - part.start:
                found.append((mesh, part))
        return found

    def start_recording(self) -> None:
        if self.expressions:
            raise InputError(
                "Recording keys shape keys, and this avatar's face is the VRM add-on's "
                "expressions: bake a recording instead, or pick a shape-key profile under Presets"
            )
        self.recording = LiveRecording(time.monotonic())

    def finish_recording(
        self, face: Any, emotions: Sequence[str], *, fps: float, frame_start: int
    ) -> RecordingReport:
        recording, self.recording = self.recording, None
        if recording is None:
            return RecordingReport(0, frame_start, frame_start, ())
        return write_recording(
            face,
            self._meshes(face),
            recording,
            self.driven,
            tuple(emotions),
            fps=fps,
            frame_start=frame_start,
        )
