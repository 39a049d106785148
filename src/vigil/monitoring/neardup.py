"""Near-duplicate grouping: posts with (almost) the same words share a group id.

Word 3-gram shingles of the normalised text (mentions and links removed, since copy-paste
campaigns vary them) are MinHashed and looked up in an LSH index (datasketch). Memory is
bounded: the index keeps the most recent ``capacity`` distinct texts and forgets the oldest.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict, deque

from datasketch import MinHash, MinHashLSH

#: Jaccard similarity of shingle sets above which two posts are near-duplicates.
NEAR_DUP_THRESHOLD = 0.6
NUM_PERM = 64
SHINGLE_WORDS = 3
DEFAULT_CAPACITY = 200_000

_NOISE = re.compile(r"https?://\S+|[@#][\w.\-@]+")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(_NOISE.sub(" ", text.casefold())))


def shingles(normalised: str) -> set[bytes]:
    words = normalised.split()
    if len(words) < SHINGLE_WORDS:
        return {normalised.encode()}
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode()
            for i in range(len(words) - SHINGLE_WORDS + 1)}


def text_key(normalised: str) -> str:
    return hashlib.blake2b(normalised.encode(), digest_size=16).hexdigest()


class NearDuplicates:
    """Assigns group ids, batch by batch, remembering the recent past only."""

    def __init__(self, *, threshold: float = NEAR_DUP_THRESHOLD, num_perm: int = NUM_PERM,
                 capacity: int = DEFAULT_CAPACITY) -> None:
        self.num_perm = num_perm
        self.capacity = capacity
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._groups: OrderedDict[str, str] = OrderedDict()  # text key -> group
        self._order: deque[str] = deque()

    def __len__(self) -> int:
        return len(self._groups)

    def assign(self, texts: list[str]) -> list[str]:
        out: list[str] = []
        normalised = [normalise(t) for t in texts]
        keys = [text_key(n) for n in normalised]
        fresh = [i for i, k in enumerate(keys) if k not in self._groups]
        hashes = MinHash.bulk([shingles(normalised[i]) for i in fresh],
                              num_perm=self.num_perm) if fresh else []
        signatures = dict(zip(fresh, hashes, strict=True))
        for i, key in enumerate(keys):
            group = self._groups.get(key)
            if group is None:
                sig = signatures[i]
                similar = self._lsh.query(sig)
                group = self._groups[similar[0]] if similar else key
                self._remember(key, group, sig)
            else:
                self._groups.move_to_end(key)
            out.append(group)
        return out

    def _remember(self, key: str, group: str, signature: MinHash) -> None:
        self._groups[key] = group
        self._lsh.insert(key, signature, check_duplication=False)
        self._order.append(key)
        while len(self._order) > self.capacity:
            old = self._order.popleft()
            self._groups.pop(old, None)
            self._lsh.remove(old)
