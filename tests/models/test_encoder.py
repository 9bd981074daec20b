"""Encoders: averaged word vectors by hand, and sentence-transformers models as they encode themselves."""

from __future__ import annotations

import numpy as np

from embedlab.models.encoder import SentenceEncoder, WordAverageEncoder, load_encoder
from testsupport import WORDS


def test_word_average_by_hand(tiny_kv):
    enc = load_encoder(tiny_kv)
    assert isinstance(enc, WordAverageEncoder) and enc.dim == 4
    out = enc.encode(["The CAT sleeps!", "zebra quux"])
    np.testing.assert_allclose(out[0], np.mean([WORDS["the"], WORDS["cat"], WORDS["sleeps"]], axis=0), rtol=1e-6)
    assert not out[1].any()  # no known word: the zero vector
    assert enc.info()["params"] == len(WORDS) * 4


def test_sentence_encoder_matches_model(minilm, minilm_path):
    enc = SentenceEncoder(minilm, "minilm", minilm_path)
    texts = ["A man is eating food.", "A plane is taking off."]
    np.testing.assert_allclose(enc.encode(texts), minilm.encode(texts), atol=1e-6)
    info = enc.info()
    assert info["dim"] == 384 and 20_000_000 < info["params"] < 25_000_000
