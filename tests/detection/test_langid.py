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
