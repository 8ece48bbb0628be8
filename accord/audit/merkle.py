"""Merkle trees as Certificate Transparency builds them (RFC 6962, section 2.1), pure Python.

A batch of read events is sealed into its chain by one event carrying the root of the tree
over its entries: ``leaf = SHA-256(0x00 || entry)``, ``node = SHA-256(0x01 || left || right)``,
and a tree of n > 1 leaves splits at the largest power of two below n. An inclusion proof
(the audit path) lets anyone holding the root check one entry without the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the leaf hashes ``leaves`` (bottom-up, same result as RFC 6962's
    recursive definition: pairing left to right and carrying an odd last node up unchanged)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    sha256 = hashlib.sha256
    while len(level) > 1:  # node_hash inlined: one call less per node (verify hashes them all)
        paired = [  # an odd last node is left out here, carried up below
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(level[::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def merkle_root(entries: Sequence[bytes]) -> bytes:
    return root_from_leaves([leaf_hash(entry) for entry in entries])


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` (RFC 6962 PATH(m, D[n])), nearest sibling first."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root_from_leaves(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root_from_leaves(leaves[:k])]


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` of a tree of ``size`` with ``root``
    (RFC 9162, section 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            node = node_hash(sibling, node)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node == root
