from __future__ import annotations

import pytest

from vigil.detection.langid import LanguageIdentifier

SAMPLES = {
    "en": "She should stay at home and keep quiet, nobody wants to hear her opinion",
    "ko": "여자들은 집에서 밥이나 하라고 했잖아",
    "id": "dasar perempuan tidak tahu diri, pulang saja ke rumah dan masak untuk suamimu",
    "fr": "les femmes devraient rester à la maison et se taire",
    "ka": "ქალები სახლში უნდა დარჩნენ და გაჩუმდნენ",
    "sh": "Žene bi trebale ostati kod kuće i šutjeti",
    "mk": "Жените треба да останат дома и да молчат",
    "dv": "އަންހެނުން ގޭގައި ތިބެންވާނެ",
    "ar": "يجب أن تبقى النساء في المنزل وأن يصمتن",
}


@pytest.fixture(scope="module")
def langid() -> LanguageIdentifier:
    return LanguageIdentifier().load()


@pytest.mark.parametrize(("lang", "text"), SAMPLES.items())
def test_required_languages(langid: LanguageIdentifier, lang: str, text: str) -> None:
    assert langid.identify([text]) == [lang]


@pytest.mark.parametrize(
    "text", ["Ovo je rečenica na bosanskom jeziku o ženama.", "Ово је реченица на српском језику."]
)
def test_bosnian_croatian_serbian_are_grouped(langid: LanguageIdentifier, text: str) -> None:
    assert langid.identify([text]) == ["sh"]


def test_script_rules_win_on_short_texts(langid: LanguageIdentifier) -> None:
    assert langid.identify(["ㅋㅋ 김치녀", "ގޭ", "ქალი"]) == ["ko", "dv", "ka"]


def test_no_letters_is_undetermined(langid: LanguageIdentifier) -> None:
    assert langid.identify(["", "1234 !!", "🙂🙂"]) == ["und", "und", "und"]


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_lid176_agrees_with_fasttext(compiled: bool) -> None:
    """``lid176.py`` re-implements fastText's prediction: same labels, same probabilities."""
    import fasttext  # type: ignore[import-untyped]

    from vigil.detection.langid import _model_path
    from vigil.detection.lid176 import Lid176, compiled_kernel

    if compiled and not compiled_kernel():
        pytest.skip("the _lid_kernel extension was not built")

    lines = [
        *(t.lower() for t in SAMPLES.values()),
        "ovo je rečenica na bosanskom jeziku o ženama.",
        "ceci n'est pas une pipe, c'est une phrase française très ordinaire",
        "tolong jangan sebarkan foto saya",
        "das ist ein deutscher satz über frauen und männer",
        "supercalifragilisticexpialidocious antidisestablishmentarianism words",
        "a",
        "🙂🙂 ok",
        "écrit   avec\tdes espaces  multiples",
        "mixed ελληνικά and русский words",
    ]
    ours = Lid176(_model_path(), compiled=compiled)
    reference = fasttext.load_model(str(_model_path()))
    labels, probs = ours.predict(lines)
    for line, label, prob in zip(lines, labels, probs, strict=True):
        ((p, want),) = reference.f.predict(line + "\n", 1, 0.0, "replace")
        assert label == want, line
        assert prob == pytest.approx(p, abs=1e-4), line


def test_batch_with_nul_and_astral_characters(langid: LanguageIdentifier) -> None:
    texts = ["a\x00b english words here", "𝐛𝐨𝐥𝐝 letters", *SAMPLES.values()]
    assert langid.identify(texts) == [langid.identify([t])[0] for t in texts]


def test_class_table_matches_the_regexes_for_every_bmp_character() -> None:
    from vigil.detection.langid import _LETTERS, _SCRIPTS, _class_table

    table = _class_table()
    for cp in range(0x10000):
        ch = chr(cp)
        script = _SCRIPTS.match(ch)
        expected = (script.lastindex or 0 if script else 0) | (4 if _LETTERS.match(ch) else 0)
        assert table[cp] == expected, hex(cp)


@pytest.mark.parametrize("compiled", [True, False])
def test_links_handles_and_placeholders_do_not_decide(compiled: bool) -> None:
    """Anonymised exports put USER/URL/@user where handles and links were: a post that starts
    with a run of them is still read in its own language."""
    langid = LanguageIdentifier(compiled=compiled).load()
    texts = [
        "USER USER USER USER USER USER USER USER USER USER USER USER USER USER USER USER "
        "USER USER USER USER " + SAMPLES["id"],
        "@user @user @user @user @user @user @user @user @user @user @user @user @user "
        "@user @user @user @user @user " + SAMPLES["fr"],
        "https://example.org/a/very/long/link/that/says/nothing/about/the/language/of/the/post "
        "[URL] [USER] " + SAMPLES["id"],
        "USER URL @someone https://example.org",
    ]
    assert langid.identify(texts) == ["id", "fr", "id", "und"]


def test_a_post_about_urls_keeps_its_language(langid: LanguageIdentifier) -> None:
    """It starts with "U", so its sample is cleaned: taking "URL" out must leave English."""
    assert langid.identify(["URL of her profile please, I will find where she lives"]) == ["en"]
