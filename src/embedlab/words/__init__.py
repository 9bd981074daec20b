"""Static word embeddings: read a corpus, clean it, train word2vec/FastText, query, evaluate and plot.

The classic word2vec workflow as a library (the ``embedlab words`` commands are a thin layer over it):

* :class:`Corpus` streams raw documents from files, folders, globs, ``.gz``/``.bz2``, JSONL and Wikipedia dumps;
* :class:`Preprocessor` turns them into sentences of tokens (links, special characters, case, stop words);
* :func:`train_vectors` trains gensim Word2Vec (skip-gram, CBOW) or FastText and saves the vectors;
* :func:`load_vectors` reads word vectors from formats that cannot run code (and the ``glove-6B-50d`` alias) as
  gensim KeyedVectors; pickled gensim files only with ``trust_pickle=True``; :func:`save_vectors` writes them;
* :func:`similar`, :func:`analogy`, :func:`vector` query them;
* :func:`evaluate_vectors` gives analogy accuracy and word-similarity correlation, equal to gensim's, much faster;
* :func:`plot_neighbors` maps a word's neighbourhood in 2-D (HTML and PNG).

Example:
    >>> from embedlab.words import Corpus, TrainOptions, train_vectors, similar, evaluate_vectors
    >>> result = train_vectors(Corpus(["wiki.xml.bz2"]), "wiki-w2v", TrainOptions(dim=100, epochs=5))
    >>> similar(result.kv, "king", topn=5)
    >>> evaluate_vectors(result.kv).analogies[0].accuracy
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedlab.words.corpus import Corpus, expand_sources, iter_documents
    from embedlab.words.evaluate import (
        AnalogyResult,
        EvaluationReport,
        WordPairsResult,
        evaluate_analogies,
        evaluate_vectors,
        evaluate_word_pairs,
    )
    from embedlab.words.options import Algorithm, ExportFormat, TrainOptions
    from embedlab.words.plot import neighbor_map, plot_neighbors
    from embedlab.words.preprocess import Preprocessor, load_stopwords, split_sentences
    from embedlab.words.query import analogy, similar, similarity, suggest, vector
    from embedlab.words.recipe import WordsRecipe
    from embedlab.words.train import TrainResult, train_vectors
    from embedlab.words.vectors import detect_format, load_vectors, save_vectors

# Re-exported lazily: `embedlab --help` and the CLI's option defaults import this package, and numpy, gensim and
# the evaluation code should load only when a command uses them.
_WHERE = {
    "Corpus": "embedlab.words.corpus",
    "expand_sources": "embedlab.words.corpus",
    "iter_documents": "embedlab.words.corpus",
    "AnalogyResult": "embedlab.words.evaluate",
    "EvaluationReport": "embedlab.words.evaluate",
    "WordPairsResult": "embedlab.words.evaluate",
    "evaluate_analogies": "embedlab.words.evaluate",
    "evaluate_vectors": "embedlab.words.evaluate",
    "evaluate_word_pairs": "embedlab.words.evaluate",
    "neighbor_map": "embedlab.words.plot",
    "plot_neighbors": "embedlab.words.plot",
    "Preprocessor": "embedlab.words.preprocess",
    "load_stopwords": "embedlab.words.preprocess",
    "split_sentences": "embedlab.words.preprocess",
    "analogy": "embedlab.words.query",
    "similar": "embedlab.words.query",
    "similarity": "embedlab.words.query",
    "suggest": "embedlab.words.query",
    "vector": "embedlab.words.query",
    "Algorithm": "embedlab.words.options",
    "ExportFormat": "embedlab.words.options",
    "TrainOptions": "embedlab.words.options",
    "WordsRecipe": "embedlab.words.recipe",
    "TrainResult": "embedlab.words.train",
    "train_vectors": "embedlab.words.train",
    "detect_format": "embedlab.words.vectors",
    "load_vectors": "embedlab.words.vectors",
    "save_vectors": "embedlab.words.vectors",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'embedlab.words' has no attribute {name!r}")


__all__ = [
    "Algorithm",
    "AnalogyResult",
    "Corpus",
    "EvaluationReport",
    "ExportFormat",
    "Preprocessor",
    "TrainOptions",
    "TrainResult",
    "WordPairsResult",
    "WordsRecipe",
    "analogy",
    "detect_format",
    "evaluate_analogies",
    "evaluate_vectors",
    "evaluate_word_pairs",
    "expand_sources",
    "iter_documents",
    "load_stopwords",
    "load_vectors",
    "neighbor_map",
    "plot_neighbors",
    "save_vectors",
    "similar",
    "similarity",
    "split_sentences",
    "suggest",
    "train_vectors",
    "vector",
]
