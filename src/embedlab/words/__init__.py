"""Static word embeddings: read a corpus, clean it, train word2vec/FastText, query, evaluate and plot.

The classic word2vec workflow as a library (the ``embedlab words`` commands are a thin layer over it):

* :class:`Corpus` streams raw documents from files, folders, globs, ``.gz``/``.bz2``, JSONL and Wikipedia dumps;
* :class:`Preprocessor` turns them into sentences of tokens (links, special characters, case, stop words);
* :func:`train_vectors` trains gensim Word2Vec (skip-gram, CBOW) or FastText and saves the vectors;
* :func:`load_vectors` reads any word-vector format (and the ``glove-6B-50d`` alias) as gensim KeyedVectors;
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

from embedlab.words.corpus import Corpus, expand_sources, iter_documents
from embedlab.words.evaluate import (
    AnalogyResult,
    EvaluationReport,
    WordPairsResult,
    evaluate_analogies,
    evaluate_vectors,
    evaluate_word_pairs,
)
from embedlab.words.plot import neighbor_map, plot_neighbors
from embedlab.words.preprocess import Preprocessor, load_stopwords, split_sentences
from embedlab.words.query import analogy, similar, similarity, suggest, vector
from embedlab.words.train import TrainOptions, TrainResult, train_vectors
from embedlab.words.vectors import detect_format, load_vectors

__all__ = [
    "AnalogyResult",
    "Corpus",
    "EvaluationReport",
    "Preprocessor",
    "TrainOptions",
    "TrainResult",
    "WordPairsResult",
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
    "similar",
    "similarity",
    "split_sentences",
    "suggest",
    "train_vectors",
    "vector",
]
