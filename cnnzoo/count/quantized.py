"""LoRA and quantized dtype policies: the variables Keras creates instead of a float kernel.

``lora_rank=r`` adds two trainable float32 matrices, ``A`` (the kernel's shape with its last
axis replaced by ``r``) and ``B`` (``r`` by the last axis), and makes the kernel itself
non-trainable. A quantized policy in the config's ``dtype`` (``"int8_from_float32"``,
``"int4/128_from_mixed_bfloat16"``, ``"float8_from_float32"``, ``"gptq/4/128_from_float32"``,
``"awq/4/128_from_float32"``) replaces the kernel of ``Dense``, ``EinsumDense``,
``Embedding`` and ``ReversibleEmbedding`` by a non-trainable integer one (int4 packs two
values a byte: ``ceil(n/2)``) with its scales; float8 keeps the kernel and adds three
trainable scalar scales and three trainable ``amax`` histories. Other layers build as usual.

>>> from cnnzoo.count import count_layer
>>> c = count_layer("Dense", {"units": 5, "lora_rank": 2}, [(40,)])
>>> c.trainable, c.non_trainable, c.explain
(95, 200, 'LoRA rank 2: kernel 40*5 (non-trainable) + lora_kernel_a 40*2 + lora_kernel_b 2*5 + bias 5 = 295')
>>> c = count_layer("Dense", {"units": 5, "dtype": "int8_from_float32"}, [(40,)])
>>> c.trainable, c.non_trainable
(5, 205)
>>> count_layer("Dense", {"units": 5, "dtype": "int4/32_from_float32"}, [(40,)]).explain
'int4, blocks of 32: kernel 40*3 (non-trainable) + kernel_scale 2*5 (non-trainable) + kernel_zero 2*5 (non-trainable) + g_idx 40 (non-trainable) + bias 5 = 185'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

from cnnzoo.count.config import get_field, read_int

FLOAT8_HISTORY = 1024  # QuantizedFloat8DTypePolicy.default_amax_history_length


@dataclass
class Policy:
    """A dtype policy's quantization: ``mode`` is None for a float policy."""

    mode: Optional[str] = None
    block: Optional[int] = None  # int4 sub-channel block size (None: per channel)
    bits: int = 4  # gptq / awq weight bits
    group: int = -1  # gptq / awq group size (-1: one group)
    history: int = FLOAT8_HISTORY  # float8 amax history length

    def label(self) -> str:
        if self.mode == "int4" and self.block:
            return f"int4, blocks of {self.block}"
        if self.mode in ("gptq", "awq"):
            return f"{self.mode} {self.bits}-bit, groups of {self.group}"
        return str(self.mode)


def _mode_policy(mode: Any, history: Any = FLOAT8_HISTORY) -> Policy:
    if not isinstance(mode, str):
        raise ValueError(f"'dtype' has a quantization mode that is not a string: {mode!r}")
    kind, *rest = mode.split("/")
    try:
        numbers = [int(r) for r in rest]
    except ValueError:
        raise ValueError(f"'dtype' has an unreadable quantization mode {mode!r}") from None
    if kind in ("int8", "float8") and not numbers:
        hist = read_int({"amax_history_length": history}, "amax_history_length")
        return Policy(kind, history=hist)
    if kind == "int4" and len(numbers) <= 1:
        block = numbers[0] if numbers else None
        if block is not None and (block == 0 or block < -1):
            raise ValueError(f"'dtype' has an int4 block size of {block}; expected -1 or a positive size")
        return Policy("int4", block=None if block in (None, -1) else block)
    if kind in ("gptq", "awq") and len(numbers) == 2:
        bits, group = numbers
        if bits not in ((4,) if kind == "awq" else (2, 3, 4, 8)) or group == 0 or group < -1:
            raise ValueError(f"'dtype' has an unsupported {kind} mode {mode!r}")
        return Policy(kind, bits=bits, group=group)
    raise ValueError(f"'dtype' has an unknown quantization mode {mode!r}")


def policy(cfg: dict[str, Any]) -> Policy:
    """The quantization named by a config's ``dtype`` (a policy name or a serialized policy)."""
    dtype = get_field(cfg, "dtype", None)
    if dtype is None:
        return Policy()
    if isinstance(dtype, str):
        if "_from_" not in dtype:
            return Policy()
        return _overridden(cfg, _mode_policy(dtype.split("_from_")[0]))
    if not isinstance(dtype, dict) or not isinstance(dtype.get("config", {}), dict):
        raise ValueError(f"'dtype' must be a policy name or a serialized dtype policy; got {dtype!r}")
    name, inner = dtype.get("class_name"), dtype.get("config", {})
    if name == "DTypePolicyMap":
        raise ValueError("'dtype' is a DTypePolicyMap: the layer's own policy is not in its config")
    if "mode" not in inner:
        return Policy()
    return _overridden(cfg, _mode_policy(inner["mode"], inner.get("amax_history_length", FLOAT8_HISTORY)))


def _overridden(cfg: dict[str, Any], pol: Policy) -> Policy:
    """A ``quantization_config`` of the policy's own kind wins over the policy's numbers."""
    given = cfg.get("quantization_config")
    if not isinstance(given, dict) or not isinstance(given.get("config"), dict):
        return pol
    kind, inner = given.get("class_name"), given["config"]
    if kind == "Int4QuantizationConfig" and pol.mode == "int4":
        block = read_int(inner, "block_size", None, minimum=-1, none=True)
        pol.block = None if block in (None, -1) else block
    elif kind in ("GPTQConfig", "AWQConfig") and pol.mode == kind[:4].lower():
        pol.group = read_int(inner, "group_size", pol.group, minimum=-1)
        if kind == "GPTQConfig":
            pol.bits = read_int(inner, "weight_bits", pol.bits)
    if pol.block == 0 or pol.group == 0:
        raise ValueError("'quantization_config' has a block or group size of 0")
    return pol


@dataclass
class Parts:
    """Named variables, each trainable or not, and the text that adds them up."""

    items: list[tuple[str, tuple[int, ...], bool]] = field(default_factory=list)

    def add(self, name: str, dims: tuple[int, ...], trainable: bool = True) -> Parts:
        self.items.append((name, tuple(dims), trainable))
        return self

    @property
    def trainable(self) -> int:
        return sum(math.prod(d) for _, d, t in self.items if t)

    @property
    def non_trainable(self) -> int:
        return sum(math.prod(d) for _, d, t in self.items if not t)

    def text(self, prefix: str = "") -> str:
        body = " + ".join(f"{name} {'*'.join(map(str, dims)) or '1'}{'' if t else ' (non-trainable)'}"
                          for name, dims, t in self.items)
        return f"{prefix}{body} = {self.trainable + self.non_trainable:,}"


def _float8(parts: Parts, pol: Policy) -> None:
    for what in ("inputs", "kernel", "outputs_grad"):
        parts.add(f"{what}_scale", ())
        parts.add(f"{what}_amax_history", (pol.history,))


def _gptq_split(kernel: tuple[int, ...]) -> tuple[int, int]:
    """Rows (reduced) and columns of a GPTQ/AWQ kernel, as Keras splits a 2D or 3D one."""
    if len(kernel) == 2:
        return kernel[0], kernel[1]
    if len(kernel) == 3:
        if kernel.index(max(kernel)) == 0:  # a projection (model dim, heads, head dim)
            return kernel[0], kernel[1] * kernel[2]
        return kernel[0] * kernel[1], kernel[2]  # an output (heads, head dim, model dim)
    raise ValueError(f"gptq and awq quantize 2D or 3D kernels only; got a kernel of shape {kernel}")


def kernel_parts(cfg: dict[str, Any], kernel: tuple[int, ...], rows: int, cols: int,
                 quantizable: bool = True) -> tuple[Parts, str]:
    """The kernel's variables (``rows`` reduced, ``cols`` kept: a Dense kernel is (rows, cols)),
    with LoRA when the config asks; returns the parts and a prefix naming what changed them."""
    pol = policy(cfg) if quantizable else Policy()
    rank = read_int(cfg, "lora_rank", None, none=True)
    parts, notes = Parts(), []
    mode = pol.mode
    if mode == "float8":
        _float8(parts, pol)
    if mode in (None, "float8"):
        parts.add("kernel", kernel, not rank)
    elif mode == "int8":
        parts.add("kernel", kernel, False).add("kernel_scale", (cols,), False)
    elif mode == "int4":
        parts.add("kernel", (rows, (cols + 1) // 2), False)
        scale = (cols,) if pol.block is None else (math.ceil(rows / pol.block), cols)
        parts.add("kernel_scale", scale, False)
        if pol.block is not None:
            parts.add("kernel_zero", scale, False).add("g_idx", (rows,), False)
    else:  # gptq, awq
        rows, cols = _gptq_split(kernel)
        groups = 1 if pol.group == -1 else math.ceil(rows / pol.group)
        packed = (cols + 1) // 2 if pol.bits == 4 else cols
        parts.add("kernel", (packed, rows), False)
        parts.add("kernel_scale", (cols, groups), False).add("kernel_zero", (cols, groups), False)
        if mode == "awq":
            parts.add("awq_scales", (rows,), False)
        parts.add("g_idx", (rows,), False)
    if mode:
        notes.append(pol.label())
    if rank:
        if mode in ("gptq", "awq"):
            raise ValueError(f"'lora_rank' cannot be used with {mode} quantization (Keras refuses it)")
        parts.add("lora_kernel_a", (*kernel[:-1], rank)).add("lora_kernel_b", (rank, kernel[-1]))
        notes.append(f"LoRA rank {rank}")
    return parts, (", ".join(notes) + ": ") if notes else ""


def embedding_parts(cfg: dict[str, Any], n: int, dim: int, reverse: bool = False) -> tuple[Parts, str]:
    """``Embedding``'s table (and ``ReversibleEmbedding``'s untied reverse table) under LoRA and
    int8/int4 (Keras refuses other modes for embeddings)."""
    pol = policy(cfg)
    rank = read_int(cfg, "lora_rank", None, none=True)
    parts = Parts()
    if pol.mode is None:
        parts.add("embeddings", (n, dim), not rank)
        if reverse:
            parts.add("reverse_embeddings", (dim, n))
    elif pol.mode == "int8":
        parts.add("embeddings", (n, dim), False).add("embeddings_scale", (n,), False)
        if reverse:
            parts.add("reverse_embeddings", (dim, n), False)
            parts.add("reverse_embeddings_scale", (n,), False)
    elif pol.mode == "int4":
        groups = None if pol.block is None else math.ceil(dim / pol.block)
        scale = (n,) if groups is None else (n, groups)
        parts.add("embeddings", (n, (dim + 1) // 2), False).add("embeddings_scale", scale, False)
        if groups is not None:
            parts.add("embeddings_zero", scale, False).add("g_idx", (dim,), False)
        if reverse:
            rscale = (n,) if groups is None else (groups, n)
            parts.add("reverse_embeddings", ((dim + 1) // 2, n), False)
            parts.add("reverse_embeddings_scale", rscale, False)
            if groups is not None:
                parts.add("reverse_embeddings_zero", rscale, False)
    else:
        raise ValueError(f"'dtype': embeddings quantize to int8 or int4 only; got {pol.mode}")
    notes = [pol.label()] if pol.mode else []
    if rank:
        parts.add("lora_embeddings_a", (n, rank)).add("lora_embeddings_b", (rank, dim))
        notes.append(f"LoRA rank {rank}")
    return parts, (", ".join(notes) + ": ") if notes else ""
