"""Near-duplicate grouping against brute-force Jaccard similarity."""

from __future__ import annotations

import random

from vigil.monitoring.neardup import (
    NearDuplicates,
    jaccard_estimate,
    normalise,
    shingles,
    signatures,
)

WORDS = [f"w{i}" for i in range(400)]


def jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(normalise(a))), set(shingles(normalise(b)))
    return len(sa & sb) / len(sa | sb)


def test_minhash_estimates_jaccard() -> None:
    rng = random.Random(5)
    base = [rng.choice(WORDS) for _ in range(40)]
    errors = []
    for k in range(0, 40, 4):
        variant = base[:]
        for j in rng.sample(range(40), k):
            variant[j] = rng.choice(WORDS)
        a, b = " ".join(base), " ".join(variant)
        sig = signatures([normalise(a), normalise(b)])
        errors.append(abs(jaccard_estimate(sig[0], sig[1]) - jaccard(a, b)))
    assert max(errors) < 0.2 and sum(errors) / len(errors) < 0.08


def test_groups_match_brute_force() -> None:
    rng = random.Random(9)
    texts: list[str] = []
    for _ in range(60):  # 60 templates, each posted 1-4 times with small edits
        template = [rng.choice(WORDS) for _ in range(25)]
        for _ in range(rng.randint(1, 4)):
            words = template[:]
            words[rng.randrange(25)] = rng.choice(WORDS)
            texts.append(" ".join(words) + f" @user{rng.randrange(999)} https://t.example/x")
    rng.shuffle(texts)
    nd = NearDuplicates()
    groups = nd.assign(texts[:100]) + nd.assign(texts[100:])
    same_missed = wrong_joined = 0
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            similarity = jaccard(texts[i], texts[j])
            if similarity >= 0.75 and groups[i] != groups[j]:
                same_missed += 1
            if similarity < 0.3 and groups[i] == groups[j]:
                wrong_joined += 1
    assert wrong_joined == 0
    assert same_missed <= 2


def test_memory_is_bounded_and_exact_copies_match() -> None:
    nd = NearDuplicates(capacity=1000)
    first = nd.assign(["exact same words here again and again"])[0]
    for start in range(0, 5000, 500):
        nd.assign(
            [
                f"post {i} " + " ".join(WORDS[i % 400 : i % 400 + 8])
                for i in range(start, start + 500)
            ]
        )
    assert len(nd) == 1000
    # forgotten, yet the group id stays the same: it is a hash of the normalised text
    assert nd.assign(["Exact same words, here again and again!"]) == [first]
    again = nd.assign(["exact same words here again and again"])[0]
    assert nd.assign(["EXACT same words here again and again #tag"]) == [again]


def test_a_batch_larger_than_the_memory() -> None:
    nd = NearDuplicates(capacity=10)
    nd.assign([f"old text number {i} with some words" for i in range(10)])
    texts = [f"new text number {i} with other words" for i in range(40)]
    texts += ["old text number 3 with some words", "new text number 5 with other words"]
    groups = nd.assign(texts)
    assert len(nd) == 10
    assert groups[-1] == groups[5] and groups[-2] != groups[3]
