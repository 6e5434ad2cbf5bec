"""Read TensorFlow (TF1 "V2" format) checkpoints into numpy arrays, without TensorFlow.

A checkpoint ``<prefix>`` is two files:

- ``<prefix>.index``: a LevelDB-style sorted string table (SSTable). Its
  entries map a tensor name to a serialised ``BundleEntryProto`` (dtype, shape,
  shard id, byte offset, byte size, masked crc32c of the bytes); the entry with
  the empty key is the ``BundleHeaderProto``.
- ``<prefix>.data-<shard>-of-<n_shards>``: the tensors' raw little-endian bytes.

Only what TensorFlow's ``BundleWriter`` writes is supported (uncompressed
blocks, numeric dtypes, unsliced tensors). Every table block and every tensor
is checked against its crc32c; a mismatch raises :class:`CheckpointError`.
The protobuf messages are decoded by hand (a few varint fields), so neither
TensorFlow nor protobuf is needed.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

__all__ = ["CheckpointError", "crc32c", "masked_crc32c", "read_checkpoint", "read_index"]


class CheckpointError(ValueError):
    """A TensorFlow checkpoint is unreadable, truncated or fails its crc32c check."""


# ---------------------------------------------------------------------------- crc32c
_POLY = 0x82F63B78  # Castagnoli, reflected


def _make_table():
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table[i] = c
    return table


_TABLE = _make_table()
_TABLE_LIST = [int(v) for v in _TABLE]


def _crc_scalar(crc, data):
    t = _TABLE_LIST
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _shift_tables(n_bytes):
    """Byte tables of the linear map "run the raw CRC register over `n_bytes` zero bytes"."""
    v = (np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None])
    v = v.ravel()
    for _ in range(n_bytes):
        v = _TABLE[v & 0xFF] ^ (v >> 8)
    return [[int(x) for x in row] for row in v.reshape(4, 256)]


def crc32c(data):
    """CRC-32C (Castagnoli) of `data`, as ``crc32c.crc32c`` / ``google_crc32c.value``.

    Long inputs are cut into equal chunks whose CRC registers numpy advances
    together; the chunk CRCs are then combined with the (linear) zero-byte
    shift operator, so a 10 MB checkpoint is checked in well under a second.

    Parameters
    ----------
    data : bytes-like

    Returns
    -------
    crc : int
    """
    buf = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    n = buf.size
    if n < 1 << 14:
        return _crc_scalar(0xFFFFFFFF, buf.tobytes()) ^ 0xFFFFFFFF
    n_chunks = 1024
    length = n // n_chunks
    body = buf[: n_chunks * length].reshape(n_chunks, length)
    reg = np.zeros(n_chunks, dtype=np.uint32)
    reg[0] = 0xFFFFFFFF  # the initial value only enters through the first chunk (linearity)
    for j in range(length):
        reg = _TABLE[(reg ^ body[:, j]) & 0xFF] ^ (reg >> 8)
    t0, t1, t2, t3 = _shift_tables(length)
    crc = 0
    for r in reg.tolist():
        crc = (t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF]
               ^ t3[crc >> 24]) ^ r
    crc = _crc_scalar(crc, buf[n_chunks * length:].tobytes())
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """LevelDB/TensorFlow masked CRC-32C: ``rotr15(crc) + 0xa282ead8``."""
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------------------- protobuf
def _varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise CheckpointError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yield ``(field_number, wire_type, value)`` of a serialised protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = bytes(buf[pos:pos + size]), pos + size
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


# TensorFlow DataType enum -> numpy dtype (little-endian)
_DTYPES = {1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 9: "<i8", 10: "?",
           17: "<u2", 19: "<f2", 22: "<u4", 23: "<u8"}


def _entry(value):
    entry = {"dtype": None, "shape": (), "shard_id": 0, "offset": 0, "size": 0,
             "crc32c": None, "sliced": False}
    for field, _, v in _fields(value):
        if field == 1:
            entry["dtype"] = v
        elif field == 2:
            dims = []
            for f2, _, dim in _fields(v):
                if f2 == 2:
                    size = 0
                    for f3, _, s in _fields(dim):
                        if f3 == 1:
                            size = s - (1 << 64) if s >= 1 << 63 else s
                    dims.append(size)
            entry["shape"] = tuple(dims)
        elif field == 3:
            entry["shard_id"] = v
        elif field == 4:
            entry["offset"] = v
        elif field == 5:
            entry["size"] = v
        elif field == 6:
            entry["crc32c"] = v
        elif field == 7:
            entry["sliced"] = True
    return entry


# ---------------------------------------------------------------------------- SSTable
_MAGIC = 0xDB4775248B80FB57
_FOOTER = 48


def _block(data, offset, size, path):
    end = offset + size + 5
    if end > len(data):
        raise CheckpointError(f"{path}: table block runs past the end of the file (truncated?)")
    contents, kind = data[offset:offset + size], data[offset + size]
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if masked_crc32c(data[offset:offset + size + 1]) != stored:
        raise CheckpointError(f"{path}: crc32c mismatch in a table block at byte {offset}")
    if kind != 0:
        raise CheckpointError(f"{path}: compressed table blocks (type {kind}) are not supported")
    return contents


def _block_entries(block):
    if len(block) < 4:
        raise CheckpointError("table block too short")
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * n_restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        value_len, pos = _varint(block, pos)
        key = key[:shared] + bytes(block[pos:pos + non_shared])
        pos += non_shared
        yield key, bytes(block[pos:pos + value_len])
        pos += value_len


def read_index(prefix):
    """Entries of a checkpoint's ``.index`` file.

    Parameters
    ----------
    prefix : str or os.PathLike
        Checkpoint prefix (the ``.index`` path without its suffix).

    Returns
    -------
    header : dict
        ``num_shards`` (and the raw header fields).
    entries : dict
        Tensor name -> ``{'dtype', 'shape', 'shard_id', 'offset', 'size', 'crc32c'}``.
    """
    path = Path(os.fspath(prefix) + ".index")
    data = path.read_bytes()
    if len(data) < _FOOTER:
        raise CheckpointError(f"{path}: too short to be a checkpoint index")
    footer = data[-_FOOTER:]
    if struct.unpack_from("<Q", footer, 40)[0] != _MAGIC:
        raise CheckpointError(f"{path}: not a TensorFlow checkpoint index (bad magic number)")
    pos = 0
    _, pos = _varint(footer, pos)  # metaindex offset
    _, pos = _varint(footer, pos)  # metaindex size
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    header, entries = {"num_shards": 1}, {}
    for _, handle in _block_entries(_block(data, index_offset, index_size, path)):
        offset, p = _varint(handle, 0)
        size, _ = _varint(handle, p)
        for key, value in _block_entries(_block(data, offset, size, path)):
            if key == b"":
                for field, _, v in _fields(value):
                    if field == 1:
                        header["num_shards"] = v
                    elif field == 2:
                        header["endianness"] = v
            else:
                entries[key.decode("utf-8")] = _entry(value)
    return header, entries


def read_checkpoint(prefix, names=None, verify=True):
    """Read the tensors of a TensorFlow checkpoint as numpy arrays.

    Parameters
    ----------
    prefix : str or os.PathLike
        Checkpoint prefix: ``<prefix>.index`` and ``<prefix>.data-*-of-*``
        must exist (for musicnn's folders the prefix ends in ``/``).
    names : iterable of str, optional
        Read only these tensors (default: all).
    verify : bool, default=True
        Check each tensor's bytes against the masked crc32c in the index.

    Returns
    -------
    tensors : dict
        Name -> ndarray (a copy, native byte order).

    Raises
    ------
    CheckpointError
        Missing shard, unsupported content, truncated data or crc32c mismatch.
    """
    header, entries = read_index(prefix)
    if header.get("endianness", 0) != 0:
        raise CheckpointError(f"{prefix}: big-endian checkpoints are not supported")
    wanted = entries if names is None else {n: entries[n] for n in names}
    n_shards = header["num_shards"]
    shards = {}
    out = {}
    for name, e in sorted(wanted.items(), key=lambda kv: (kv[1]["shard_id"], kv[1]["offset"])):
        if e["sliced"]:
            raise CheckpointError(f"{prefix}: tensor {name!r} is sliced; not supported")
        if e["dtype"] not in _DTYPES:
            raise CheckpointError(f"{prefix}: tensor {name!r} has unsupported dtype {e['dtype']}")
        sid = e["shard_id"]
        if sid not in shards:
            shard_path = Path(f"{os.fspath(prefix)}.data-{sid:05d}-of-{n_shards:05d}")
            if not shard_path.exists():
                raise CheckpointError(f"checkpoint shard {shard_path} not found")
            shards[sid] = shard_path.read_bytes()
        raw = shards[sid][e["offset"]:e["offset"] + e["size"]]
        if len(raw) != e["size"]:
            raise CheckpointError(f"{prefix}: data of tensor {name!r} is truncated")
        if verify and e["crc32c"] is not None and masked_crc32c(raw) != e["crc32c"]:
            raise CheckpointError(
                f"{prefix}: crc32c mismatch for tensor {name!r}: the checkpoint data is corrupt "
                "(reinstall it: pip install --force-reinstall --no-deps musicnn)"
            )
        dtype = np.dtype(_DTYPES[e["dtype"]])
        count = int(np.prod(e["shape"], dtype=np.int64)) if e["shape"] else 1
        if count * dtype.itemsize != len(raw):
            raise CheckpointError(
                f"{prefix}: tensor {name!r} has {len(raw)} bytes, expected {count * dtype.itemsize}"
            )
        out[name] = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
        out[name] = out[name].reshape(e["shape"])
    return out
