"""Text analysis: look-alike letters, lemmas, Markdown sanitising, escaped snippets."""

from stroydesk.kb import text


def test_latin_lookalikes_inside_cyrillic_words_become_cyrillic():
    # "cтроительство" with a Latin c, "pазрешение" with a Latin p
    assert text.words("cтроительство pазрешение") == ["строительство", "разрешение"]


def test_cyrillic_lookalikes_inside_latin_words_become_latin():
    assert text.words("еscrow") == ["escrow"]  # Cyrillic е


def test_word_forms_share_one_lemma():
    forms = ["разрешение", "разрешения", "разрешением", "разрешениями", "Разрешении"]
    assert {text.lemmas(f)[0] for f in forms} == {"разрешение"}


def test_prepositions_and_pronouns_are_not_indexed():
    assert text.lemmas("как мне получить разрешение на строительство") == [
        "получить",
        "разрешение",
        "строительство",
    ]


def test_english_words_are_stemmed():
    assert text.lemmas("permits") == text.lemmas("permit") == ["permit"]
    assert text.lemmas("the buildings") == ["building"]


def test_markdown_script_and_handlers_are_removed():
    html = text.render_markdown(
        'Текст <script>alert(1)</script> и <a href="javascript:alert(2)" onclick="x()">ссылка</a>'
        "\n\n<img src=x onerror=alert(3)>"
    )
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert "onerror" not in html


def test_markdown_keeps_structure():
    html = text.render_markdown(
        "## Сроки\n\n- раз\n- два\n\n**важно** [mos.ru](https://www.mos.ru/)"
    )
    assert "<h2>Сроки</h2>" in html
    assert "<li>раз</li>" in html
    assert "<strong>важно</strong>" in html
    assert 'href="https://www.mos.ru/"' in html


def test_snippet_escapes_text_before_marking():
    body = "Опасный <b>текст</b> & разрешение на строительство выдают быстро."
    snippet = text.snippet(body, frozenset({"разрешение"}))
    assert "<b>" not in snippet
    assert "&lt;b&gt;текст&lt;/b&gt; &amp;" in snippet
    assert "<mark>разрешение</mark>" in snippet


def test_snippet_picks_the_passage_with_matches():
    body = " ".join(["слово"] * 100) + " эскроу счёт " + " ".join(["текст"] * 100)
    snippet = text.snippet(body, frozenset({"эскроу"}))
    assert "<mark>эскроу</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
