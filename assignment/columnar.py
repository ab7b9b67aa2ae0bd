"""Reading a large pair file (affinity.csv) column by column, without a Python object per pair.

A national instance has some ten million candidate pairs: as Python strings they take gigabytes, as
arrays a few hundred megabytes. :func:`read_pair_columns` reads the file in blocks of whole lines as
bytes, finds the cells with numpy, maps each id cell to its position by a vectorised binary search among
the known ids (encoded as fixed-width byte strings) and parses the scores' digits arithmetically, so the
only objects per pair are array elements. Memory beyond the result is one block.

It handles the plain files that programs write (no quotes, no padding, the same number of cells on every
line). For anything else it returns None and the caller reads the file with the csv module, so that every
file reads and fails exactly as it always has: the errors raised here (unknown id, score not a number,
wrong number of cells, not UTF-8) are those the csv path raises, with the same file, row and words.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .problem import InputError

#: Bytes read per block (whole lines): the reader's own memory, whatever the file's size.
BLOCK_BYTES = 1 << 23
#: Bytes that make a file not plain: quotes, padding, tabs, NUL, a carriage return that ends no line.
_NOT_PLAIN = np.zeros(256, dtype=bool)
_NOT_PLAIN[[ord('"'), ord(" "), ord("\t"), 0]] = True
_BOM = b"\xef\xbb\xbf"
#: A score of at most this many digits is parsed as an exact integer over a power of ten, which IEEE
#: division rounds correctly: the same float as Python's float() of the text.
_EXACT_DIGITS = 15
_POWERS = np.array([float(10**i) for i in range(_EXACT_DIGITS + 1)])


class NotPlain(Exception):
    """The file needs the csv module (quotes, padding, an odd header, no data rows)."""


#: _MASKS[n] keeps the first n bytes of a little-endian word (all eight from 8 on).
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


class _Bytes:
    """A block of bytes that hands out, for any cells, their bytes as little-endian 64-bit words."""

    def __init__(self, raw: np.ndarray):
        self.raw = raw
        padded = np.zeros(len(raw) + 8, dtype=np.uint8)
        padded[: len(raw)] = raw
        self._padded = padded  # the view below reads up to 7 bytes past the last cell
        # One unaligned word at every byte offset: words[i] holds bytes i..i+7.
        self.words = np.ndarray((len(raw),), dtype="<u8", buffer=padded, strides=(1,))

    def cells(self, start: np.ndarray, length: np.ndarray, n_words: int) -> np.ndarray:
        """Cells as an (n, n_words) word matrix, zero past each cell's end (a longer cell is cut)."""
        out = np.empty((len(start), n_words), dtype=np.uint64)
        for w in range(n_words):
            out[:, w] = self.words[np.minimum(start + 8 * w, len(self.raw) - 1)]
            out[:, w] &= _MASKS[np.clip(length - 8 * w, 0, 8)]
        return out

    def text(self, start: int, length: int) -> str:
        return self.raw[start : start + length].tobytes().decode("utf-8", "replace")


def _keys(words: np.ndarray) -> np.ndarray:
    """An (n, m) word matrix as sortable keys: the words themselves when m = 1, else byte strings."""
    return words[:, 0].copy() if words.shape[1] == 1 else words.view(f"S{8 * words.shape[1]}").ravel()


@dataclass
class _IdTable:
    """Known ids as sorted keys of their zero-padded UTF-8 bytes, and their positions."""

    keys: np.ndarray
    positions: np.ndarray  # int32, the position of keys[i]
    n_words: int
    width: int  # bytes of the longest id

    @classmethod
    def of(cls, ids: list[str]) -> _IdTable:
        encoded = [i.encode("utf-8") for i in ids]
        width = max((len(b) for b in encoded), default=1) or 1
        n_words = -(-width // 8)
        padded = np.array(encoded, dtype=f"S{8 * n_words}") if encoded else np.zeros(0, dtype=f"S{8 * n_words}")
        keys = _keys(np.frombuffer(padded.tobytes(), dtype="<u8").reshape(-1, n_words))
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], order.astype(np.int32), n_words, width)

    def lookup(self, block: _Bytes, start: np.ndarray, length: np.ndarray) -> np.ndarray:
        """Positions of the id cells; -1 where unknown. A run of equal cells (a file sorted by this
        column) is looked up once."""
        keys = _keys(block.cells(start, length, self.n_words))
        runs = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sparse = len(runs) < len(keys) // 4
        probe = keys[runs] if sparse else keys
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.int32)
        at = np.minimum(np.searchsorted(self.keys, probe), len(self.keys) - 1)
        pos = np.where(self.keys[at] == probe, self.positions[at], np.int32(-1))
        if sparse:
            pos = np.repeat(pos, np.diff(np.r_[runs, len(keys)]))
        return np.where((length > 0) & (length <= self.width), pos, -1)


def _scores(block: _Bytes, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Decimal scores (digits with at most one point) parsed exactly; NaN where a cell is anything else."""
    n_words = max(-(-int(length.max(initial=1)) // 8), 1)
    cells = block.cells(start, length, n_words).view(np.uint8).reshape(len(start), 8 * n_words)
    digits = cells - np.uint8(ord("0"))  # bytes past a cell's end are 0: neither a digit nor a point
    is_digit, is_point = digits < 10, cells == ord(".")
    if len(cells) and (length == length[0]).all() and (is_point == is_point[0]).all():
        return _same_shape(digits, is_digit, is_point[0], int(length[0]))
    value = np.zeros(len(cells), dtype=np.float64)  # exact: at most _EXACT_DIGITS digits
    decimals = np.zeros(len(cells), dtype=np.int64)
    seen_point = np.zeros(len(cells), dtype=bool)
    for j in range(cells.shape[1]):
        value = np.where(is_digit[:, j], value * 10 + digits[:, j], value)
        decimals += is_digit[:, j] & seen_point
        seen_point |= is_point[:, j]
    n_digits = is_digit.sum(axis=1)
    plain = (n_digits + is_point.sum(axis=1) == length) & (is_point.sum(axis=1) <= 1)
    plain &= (n_digits >= 1) & (n_digits <= _EXACT_DIGITS)
    return np.where(plain, value / _POWERS[np.minimum(decimals, _EXACT_DIGITS)], np.nan)


def _same_shape(digits: np.ndarray, is_digit: np.ndarray, point: np.ndarray, length: int) -> np.ndarray:
    """Scores whose cells all have the same length and point position (``0.734``, ``0.052``, …)."""
    wanted = np.arange(digits.shape[1]) < length
    wanted &= ~point
    n_digits = int(wanted.sum())
    if point.sum() > 1 or not 1 <= n_digits <= _EXACT_DIGITS:
        return np.full(len(digits), np.nan)
    columns = np.flatnonzero(wanted)
    value = np.zeros(len(digits), dtype=np.float64)
    for j in columns:
        value = value * 10 + digits[:, j]
    ok = (is_digit[:, columns].all(axis=1))
    decimals = int((columns > np.flatnonzero(point)[0]).sum()) if point.any() else 0
    return np.where(ok, value / _POWERS[decimals], np.nan)


@dataclass
class _Errors:
    """The first error of each kind, raised in the order the csv path checks them."""

    utf8: bool = False
    width: tuple[int, int] | None = None  # (row, cells found)
    app: tuple[int, str] | None = None
    expert: tuple[int, str] | None = None
    score: tuple[int, str] | None = None

    def raise_first(self, name: str, n_cells: int) -> None:
        if self.utf8:
            raise InputError(name, None, "not UTF-8 text")
        if self.width:
            raise InputError(name, self.width[0], f"expected {n_cells} cells, found {self.width[1]}")
        for found, what in ((self.app, "application"), (self.expert, "expert")):
            if found:
                raise InputError(name, found[0], f"unknown {what} id {found[1]!r}")
        if self.score:
            raise InputError(name, self.score[0], f"score is not a number: {self.score[1]!r}")


def _header(path: Path, columns: tuple[str, ...]) -> tuple[int, list[int], int]:
    """(cells per line, the columns' positions, bytes before the first data row)."""
    with open(path, "rb") as fh:
        head = fh.readline(1 << 16)
    offset = len(head)
    head = head.removeprefix(_BOM).rstrip(b"\n").removesuffix(b"\r")
    if not head or _NOT_PLAIN[np.frombuffer(head, dtype=np.uint8)].any() or b"\r" in head:
        raise NotPlain
    try:
        header = head.decode("utf-8").split(",")
    except UnicodeDecodeError:
        raise NotPlain from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(path.name, 1, f"missing column {missing[0]!r}")
    return len(header), [header.index(c) for c in columns], offset


def _blocks(path: Path, offset: int):
    """(bytes of whole lines, rows before them) from ``offset`` to the end of the file."""
    rows, rest = 0, b""
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            data = fh.read(BLOCK_BYTES)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            yield data[:cut], rows
            rows += data.count(b"\n", 0, cut)
    if rest:
        yield rest + b"\n", rows


def read_pair_columns(path: Path, columns: tuple[str, str, str], app_ids: list[str], expert_ids: list[str],
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A pair file's (application id, expert id, score) columns as (positions int32, positions int32,
    scores float64), each of shape (n_rows,). Raises NotPlain when the csv module must read the file, and
    InputError (naming file and row) for what the csv path rejects too."""
    n_cells, where, offset = _header(path, columns)
    tables = (_IdTable.of(app_ids), _IdTable.of(expert_ids))
    errors = _Errors()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for data, before in _blocks(path, offset):
        raw = np.frombuffer(data, dtype=np.uint8)
        if _NOT_PLAIN[raw].any():
            raise NotPlain
        if not errors.utf8 and (raw >= 0x80).any():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                errors.utf8 = True
        parts.append(_block(raw, before, n_cells, where, tables, errors))
    if not parts:
        raise NotPlain  # no data rows: the csv path says what it makes of that
    errors.raise_first(path.name, n_cells)
    columns_out = []
    for i in range(3):  # one column at a time, its blocks let go as it is joined
        columns_out.append(np.concatenate([part[i] for part in parts]))
        parts = [tuple(None if j == i else x for j, x in enumerate(part)) for part in parts]
    return tuple(columns_out)


def _block(raw: np.ndarray, before: int, n_cells: int, where: list[int], tables: tuple[_IdTable, _IdTable],
           errors: _Errors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One block of whole lines: positions and scores, noting the first error of each kind."""
    line_end = np.flatnonzero(raw == ord("\n"))
    line_start = np.r_[0, line_end[:-1] + 1]
    carriage = (raw[np.maximum(line_end - 1, 0)] == ord("\r")) & (line_end > line_start)
    if np.count_nonzero(raw == ord("\r")) != np.count_nonzero(carriage):
        raise NotPlain  # a carriage return inside a line: the csv module splits lines there
    content_end = line_end - carriage
    commas = np.flatnonzero(raw == ord(","))
    found = np.diff(np.searchsorted(commas, line_end), prepend=0) + 1
    found[content_end == line_start] = 0
    wrong = np.flatnonzero(found != n_cells)
    if len(wrong):
        if errors.width is None:
            errors.width = (before + int(wrong[0]) + 2, int(found[wrong[0]]))
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0)
    cut = commas.reshape(-1, n_cells - 1)
    block = _Bytes(raw)

    def cell(column: int) -> tuple[np.ndarray, np.ndarray]:
        start = line_start if column == 0 else cut[:, column - 1] + 1
        end = content_end if column == n_cells - 1 else cut[:, column]
        return start, end - start

    out = []
    for column, table, what in ((where[0], tables[0], "app"), (where[1], tables[1], "expert")):
        start, length = cell(column)
        pos = table.lookup(block, start, length)
        bad = np.flatnonzero(pos < 0)
        if len(bad) and getattr(errors, what) is None:
            setattr(errors, what, (before + int(bad[0]) + 2, block.text(start[bad[0]], length[bad[0]])))
        out.append(pos)
    start, length = cell(where[2])
    score = _scores(block, start, length)
    for i in np.flatnonzero(np.isnan(score)):  # exponents, signs, nan, junk: as Python reads them
        text = block.text(start[i], length[i])
        try:
            score[i] = float(text)
        except ValueError:
            if errors.score is None:
                errors.score = (before + int(i) + 2, text)
            break
    return out[0], out[1], score


def header_names(path: Path) -> set[str]:
    """The column names of a CSV file's header (empty when it cannot be read)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return {h.strip() for h in next(csv.reader(fh), [])}
    except (UnicodeDecodeError, csv.Error):
        return set()
