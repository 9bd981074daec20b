"""`explore contextual --sentences A B` (as the README writes it) and `-s A -s B` both work."""

from __future__ import annotations


def test_contextual_sentences_after_one_flag(cli, minilm_path):
    a, b = "The bat flew out of the cave.", "He swung the bat hard."
    code, out, err = cli("explore", "contextual", minilm_path, "--word", "bat", "--static", "", "--sentences", a, b)
    assert code == 0, err
    code2, out2, err2 = cli("explore", "contextual", minilm_path, "--word", "bat", "--static", "", "-s", a, "-s", b)
    assert code2 == 0, err2
    assert out == out2 and "2. He swung" in out
