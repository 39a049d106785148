"""The compiled language-id kernel (``_lid_kernel.pyx``) gives what the numpy path gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

from vigil.detection import langid, lid176
from vigil.detection.langid import LanguageIdentifier, _load_model

pytestmark = pytest.mark.skipif(
    not lid176.compiled_kernel(), reason="the _lid_kernel extension was not built"
)

#: Words in many scripts, with accents, combining marks, mixed case and punctuation.
_WORD_LINES = (
    "the women should stay home and be QUIET, nobody Wants her opinion!!!",
    "les femmes devraient rester à la maison l'été où Ça çà",
    "dasar perempuan tidak tahu diri pulang saja ke rumah",
    "Žene bi trebale ostati kod kuće i šutjeti đ",
    "Жените треба да останат дома молчат Ёлка",
    "يجب أن تبقى النساء في المنزل",
    "נשים צריכות להישאר בבית",
    "महिलाओं को घर पर रहना चाहिए",
    "女性は家にいるべきだ 她们应该待在家里",
    "ผู้หญิงควรอยู่บ้าน",
    "여자들은 집에서 밥이나 ㅋㅋ",
    "ქალები სახლში უნდა დარჩნენ",
    "އަންހެނުން ގޭގައި",
    "Γυναίκες πρέπει να μείνουν σπίτι",
    "e\u0301cole nai\u0308ve Ǆ ǅ ß ẞ İstanbul ﬁ",
    "🙂 😡🔥 👩‍👩‍👧 🇫🇷 𝐛𝐨𝐥𝐝 𝔣𝔯𝔞𝔨𝔱𝔲𝔯",
    "#metoo @user https://example.org/a?b=c 12345 3.14 -- ... ?! (x) [y] {z}",
    "__label__en __label__ </s> <s> < >",
    "supercalifragilisticexpialidociousantidisestablishmentarianismfloccinaucinihilipilification",
)
WORDS = [word for line in _WORD_LINES for word in line.split()]
SPACES = [" ", " ", " ", "  ", "\t", "\r", "\v", "\f", "\x00", " \x00 "]


def _texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "\t \r \v \f", "\x00", "a", "A", "🙂🙂", "1234 !!", "\ud800 lone surrogate"]
    texts.append(" ".join(rng.choice(WORDS) for _ in range(2000)))  # very long
    texts.append("x" * 5000)  # one very long word
    texts.append("é" * 300 + " " + "ж" * 300)
    while len(texts) < count:
        n = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
        words = [rng.choice(WORDS) for _ in range(n)]
        if rng.random() < 0.3:
            words = [w.upper() if rng.random() < 0.5 else w.capitalize() for w in words]
        text = ""
        for w in words:
            text += w + rng.choice(SPACES)
        texts.append(text if rng.random() < 0.8 else text.strip())
    return texts


@pytest.fixture(scope="module")
def models() -> tuple[lid176.Lid176, lid176.Lid176]:
    return _load_model(False), _load_model(True)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return [t.replace("\n", " ") for t in _texts(400)]


def _data(lines: list[str]) -> np.ndarray:
    text = "\n".join(lines) + "\n"
    return np.frombuffer(text.encode("utf-8", "replace"), dtype=np.uint8)


def test_hidden_vectors_are_the_same_bits(
    models: tuple[lid176.Lid176, lid176.Lid176], lines: list[str]
) -> None:
    numpy_model, compiled = models
    want = numpy_model._hidden(_data(lines), len(lines))
    got, _best, _prob, _near = compiled._predict_compiled(_data(lines), len(lines))
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_same_labels_and_probabilities(
    models: tuple[lid176.Lid176, lid176.Lid176], lines: list[str]
) -> None:
    numpy_model, compiled = models
    want_labels, want_probs = numpy_model.predict(lines)
    labels, probs = compiled.predict(lines)
    assert labels == want_labels
    assert probs == pytest.approx(want_probs, abs=1e-5)
    # One line at a time, as a batch of one: the same again.
    for line, label, prob in zip(lines[:40], want_labels, want_probs, strict=False):
        ((one,), (p,)) = compiled.predict([line])
        assert one == label
        assert p == pytest.approx(prob, abs=1e-5)


def test_near_ties_and_thresholds_go_to_the_numpy_tree(
    models: tuple[lid176.Lid176, lid176.Lid176], lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    numpy_model, compiled = models
    want_labels, want_probs = numpy_model.predict(lines)
    # Every line "near" another label: all scored by the numpy tree, bit for bit the same.
    monkeypatch.setattr(lid176, "_NEAR", 1e9)
    assert compiled.predict(lines) == (want_labels, want_probs)
    monkeypatch.undo()
    # A probability at the caller's threshold is the numpy path's exactly.
    _labels, probs = compiled.predict(lines)
    _labels, exact = compiled.predict(lines, exact_near=probs[20])
    assert exact[20] == want_probs[20]


def test_scripts_agree(lines: list[str]) -> None:
    samples = [t[: langid.SAMPLE] for t in _texts(400, seed=11)]
    want_script, want_letters = langid._scripts(samples)
    script, letters = langid._scripts_compiled(samples)
    assert script.tolist() == want_script.tolist()
    assert letters.tolist() == want_letters.tolist()


def test_identify_agrees() -> None:
    texts = [*_texts(300, seed=3), "line one\nline two", "ㅋㅋ\nok"]
    want = LanguageIdentifier(compiled=False).identify(texts)
    assert LanguageIdentifier(compiled=True).identify(texts) == want
    assert LanguageIdentifier(compiled=True).identify([]) == []


def test_newlines_inside_a_line_are_refused(models: tuple[lid176.Lid176, lid176.Lid176]) -> None:
    for model in models:
        with pytest.raises(ValueError, match="newline"):
            model.predict(["one\ntwo"])


def test_word_table_keeps_the_first_of_equal_hashes() -> None:
    """As the numpy path's left ``searchsorted`` over the stably sorted hashes finds it."""
    from vigil.detection import _lid_kernel

    keys = np.zeros(8, dtype=np.uint32)
    vals = np.zeros(8, dtype=np.int32)
    hashes = np.array([3, 3, 8], dtype=np.uint32)
    _lid_kernel.word_table(hashes, np.array([5, 2, 7], dtype=np.int64), keys, vals)
    assert {int(k): int(v) for k, v in zip(keys, vals, strict=True) if v != -1} == {3: 5, 8: 7}
    with pytest.raises(ValueError, match="power of two"):
        _lid_kernel.word_table(hashes, np.zeros(3, np.int64), keys[:6], vals[:6])
