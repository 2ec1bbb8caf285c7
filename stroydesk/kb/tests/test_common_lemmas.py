"""The «any word» index query leaves out lemmas that most articles of a large base contain (a
synonym such as «строительство» of a rarer word): their bitmap costs the most and the articles
it finds are the table's first, not the best."""

from __future__ import annotations

from stroydesk.kb import query as kb_query
from stroydesk.kb import search

BIG = 100_000


def group(word: str, **doc_counts: int) -> search.QueryGroup:
    return search.QueryGroup(
        word=word, lemmas=dict.fromkeys(doc_counts, 1.0), doc_counts=dict(doc_counts), idf=1.0
    )


def test_common_lemmas_are_left_out_of_a_group_in_a_large_base():
    stroyka = group("стройка", стройка=900, строительство=60_000)
    shum = group("шум", шум=300)
    kept = search.without_common_lemmas([stroyka, shum], BIG)
    assert [g.lemmas for g in kept] == [{"стройка": 1.0}, {"шум": 1.0}]
    assert stroyka.lemmas == {"стройка": 1.0, "строительство": 1.0}  # the query's own: unchanged


def test_a_group_of_common_lemmas_only_is_left_out_unless_nothing_would_remain():
    common = group("дом", дом=70_000)
    rare = group("сарай", сарай=40)
    assert [g.word for g in search.without_common_lemmas([common, rare], BIG)] == ["сарай"]
    assert search.without_common_lemmas([common], BIG) == [common]


def test_in_a_small_base_no_lemma_is_common():
    # 5 % of 1,000 articles is 50, but a lemma must be in COMMON_MIN articles to be common.
    groups = [group("дом", дом=900, здание=800)]
    assert search.without_common_lemmas(groups, 1_000) == groups


def test_the_any_word_query_of_a_search_leaves_them_out(seeded_once, db, monkeypatch):
    asked: list[str] = []
    ranked = search._ranked_matches

    def spy(match, **kwargs):
        asked.append(match)
        return ranked(match, **kwargs)

    monkeypatch.setattr(search, "_ranked_matches", spy)
    monkeypatch.setattr(search, "COMMON_MIN", 0)
    monkeypatch.setattr(search, "COMMON_SHARE", 0.3)  # of the 47 seed articles
    kb_query.clear_caches()
    analysed = kb_query.analyse_query("шум от стройки ночью у дома")
    counts = {lemma: n for g in analysed.groups for lemma, n in g.doc_counts.items()}
    common = {lemma for lemma, n in counts.items() if n > 0.3 * analysed.total_docs}
    assert common and common != set(counts)
    search.candidate_ids(analysed, public_only=True, topic_ids=None, limit=30)
    assert len(asked) == 2  # every word, then any
    assert not any(f"'{lemma}'" in asked[1] or f'"{lemma}"' in asked[1] for lemma in common)
    assert all(f"'{lemma}'" in asked[0] or f'"{lemma}"' in asked[0] for lemma in common)
