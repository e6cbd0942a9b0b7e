"""The four networks of Table I, and a multiply-add counter that measures them.

CCNN teacher (Yang et al. 2018, TorchEEG's layout), the EVOKE student (module
names match inference/model/student.py), a ViT-Base-sized baseline on the 4x9x9 grid (Dosovitskiy et al.
2021) and Arjun ViT (Arjun et al. 2021) on raw 32x128 windows, tokens = 32-sample patches along
time of each channel. MACs are counted from a real forward pass with hooks, never typed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

GRID = 9
N_OUT = 3  # valence, arousal, dominance


class CCNN(nn.Module):
    """Four 'same' 4x4 convolutions (no pooling), then a 1024-unit SELU layer: 6,234,627 params."""

    def __init__(self, in_channels: int = 4, dropout: float = 0.5) -> None:
        super().__init__()
        chans = [in_channels, 64, 128, 256, 64]
        blocks: list[nn.Module] = []
        for cin, cout in itertools.pairwise(chans):
            # (left, right, top, bottom) = (1, 2, 1, 2): a k=4 kernel keeps 9x9, as TorchEEG pads
            blocks += [nn.ZeroPad2d((1, 2, 1, 2)), nn.Conv2d(cin, cout, 4, stride=1), nn.ReLU()]
        self.features = nn.Sequential(*blocks)
        self.lin1 = nn.Linear(64 * GRID * GRID, 1024)
        self.act = nn.SELU()
        self.drop = nn.Dropout(dropout)
        self.lin2 = nn.Linear(1024, N_OUT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).flatten(1)
        return self.lin2(self.drop(self.act(self.lin1(h))))


class Student(nn.Module):
    """The distilled EVOKE CNN: 353,123 params, ~2.01M MACs. Names are the export's weight keys."""

    def __init__(self, in_channels: int = 4) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * GRID * GRID, 128)
        self.fc2 = nn.Linear(128, N_OUT)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu(self.conv2(self.relu(self.conv1(x))))
        return self.fc2(self.relu(self.fc1(h.flatten(1))))


class Attention(nn.Module):
    """Multi-head self-attention with the two matmuls visible to the MAC counter."""

    def __init__(self, dim: int, heads: int, head_dim: int) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.qkv = nn.Linear(dim, 3 * heads * head_dim, bias=False)
        self.proj = nn.Linear(heads * head_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v)
        return self.proj(y.transpose(1, 2).reshape(b, n, self.heads * self.head_dim))


class Block(nn.Module):
    """Pre-norm transformer block (nanoGPT / ViT)."""

    def __init__(self, dim: int, heads: int, head_dim: int, mlp: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, head_dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, mlp)
        self.gelu = nn.GELU()
        self.out = nn.Linear(mlp, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.out(self.gelu(self.fc(self.ln2(x))))


class TokenTransformer(nn.Module):
    """Tokens -> linear embedding + [CLS] + learned positions -> blocks -> head on [CLS]."""

    def __init__(
        self,
        n_tokens: int,
        token_dim: int,
        dim: int,
        depth: int,
        heads: int,
        head_dim: int,
        mlp: int,
    ) -> None:
        super().__init__()
        self.embed = nn.Linear(token_dim, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n_tokens + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, head_dim, mlp) for _ in range(depth))
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, N_OUT)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.embed(self.tokens(x))
        t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], dim=1) + self.pos
        for block in self.blocks:
            t = block(t)
        return self.head(self.ln(t[:, 0]))


class GridViT(TokenTransformer):
    """ViT-Base (12 layers, 768 wide, 12 heads, MLP 3072) over the 81 grid cells as 1x1 patches."""

    def __init__(self, in_channels: int = 4) -> None:
        super().__init__(GRID * GRID, in_channels, 768, 12, 12, 64, 3072)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(2).transpose(1, 2)  # (b, 4, 9, 9) -> (b, 81, 4)


class ArjunViT(TokenTransformer):
    """Arjun et al. 2021 on raw EEG: each channel's 1 s cut into 32-sample patches -> 128 tokens."""

    def __init__(self, channels: int = 32, samples: int = 128, patch: int = 32) -> None:
        self.patch = patch
        super().__init__(channels * (samples // patch), patch, 32, 3, 4, 64, 192)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        b, c, n = x.shape
        return x.reshape(b, c * (n // self.patch), self.patch)  # (b, 32, 128) -> (b, 128, 32)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    build: Callable[[], nn.Module]
    input_kind: str  # "grid" (4x9x9 band features) or "raw" (32x128 samples)

    def example(self, batch: int = 1) -> torch.Tensor:
        shape = (batch, 4, GRID, GRID) if self.input_kind == "grid" else (batch, 32, 128)
        return torch.randn(shape)


MODELS: dict[str, ModelSpec] = {
    "vit": ModelSpec("ViT", GridViT, "grid"),
    "arjun": ModelSpec("Arjun ViT", ArjunViT, "raw"),
    "ccnn": ModelSpec("CCNN", CCNN, "grid"),
    "student": ModelSpec("EVOKE student", Student, "grid"),
}


def build(name: str) -> nn.Module:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    return MODELS[name].build()


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass(frozen=True)
class Profile:
    macs: int  # multiply-adds per window ("FLOPs" as the paper counts them)
    layers: int  # leaf-module calls that compute: padding and reshapes are not layers


def profile(model: nn.Module, x: torch.Tensor) -> Profile:
    """Measure one forward pass with hooks: MACs of Conv2d, Linear and attention matmuls.

    Elementwise ops (activations, norms, softmax) cost no MACs but count as layers when they are
    modules; each attention's two matmuls count as one layer, as Table I seems to count them.
    """
    macs = 0
    layers = 0

    def hook(m: nn.Module, inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal macs, layers
        if isinstance(m, nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += out.numel() * m.in_features
        elif isinstance(m, Attention):
            b, n, _ = inp[0].shape
            macs += 2 * b * m.heads * n * n * m.head_dim  # q @ k^T and softmax(.) @ v
        layers += 1

    skip = (nn.ZeroPad2d, nn.Flatten, nn.Identity)
    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, Attention) or (not list(m.children()) and not isinstance(m, skip))
    ]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return Profile(macs=macs, layers=layers)


@torch.no_grad()
def latency_ms(model: nn.Module, x: torch.Tensor, repeats: int = 100, warmup: int = 10) -> float:
    """Median wall time of one forward pass of x (eval mode), in milliseconds."""
    import time

    model.eval()
    for _ in range(warmup):
        model(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model(x)
        if x.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return float(sorted(times)[len(times) // 2] * 1e3)


def throughput(model: nn.Module, x: torch.Tensor, repeats: int = 3) -> float:
    """Windows per second at the batch size of x (median of `repeats` timed passes)."""
    ms = latency_ms(model, x, repeats=repeats, warmup=1)
    return x.shape[0] / (ms / 1e3)
