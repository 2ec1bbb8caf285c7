from __future__ import annotations

import gc

import pymorphy3

from stroydesk.core.lemmas import analyse_word
from stroydesk.routing.text import lemmas


def test_routing_and_the_knowledge_base_share_one_morphological_analyser():
    # Each analyser holds its own copy of the dictionaries (~18 MB resident in every web
    # worker and consumer).
    assert lemmas("Разрешения на строительство") == ["разрешение", "строительство"]
    assert analyse_word("разрешения")[0] == "разрешение"
    gc.collect()
    analysers = [o for o in gc.get_objects() if type(o) is pymorphy3.MorphAnalyzer]
    assert len(analysers) == 1
