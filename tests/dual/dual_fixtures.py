"""Small real training data for the dual-encoder tests (imported by the test modules of tests/dual): (question,
passage) pairs of the AIMS QA set."""

from __future__ import annotations

import json

import pytest

from testsupport import shared_path


@pytest.fixture(scope="session")
def qa_pairs() -> list[tuple[str, str]]:
    """24 (question, passage start) pairs from ../shared/data/aims_qa, one question per passage, so no two pairs in a
    batch share their answer. Passages are cut to 300 characters to keep training steps short."""
    data = json.loads(shared_path("aims_qa", "train_dataset.json").read_text(encoding="utf-8"))
    pairs, seen = [], set()
    for qid, docs in data["relevant_docs"].items():
        doc = docs[0]
        if doc in seen:
            continue
        seen.add(doc)
        pairs.append((data["queries"][qid], data["corpus"][doc][:300]))
        if len(pairs) == 24:
            break
    return pairs


@pytest.fixture(scope="session")
def qa_corpus(qa_pairs) -> list[str]:
    """The texts of :func:`qa_pairs` (questions and passages), as a tokenizer / warm-up corpus."""
    return [q for q, _ in qa_pairs] + [d for _, d in qa_pairs]


def make_trainer(model, config, pairs, out_dir, *, epochs: int = 1, batch_size: int = 8, learning_rate: float = 1e-4):
    """A plain ``SentenceTransformerTrainer`` over ``pairs`` with the dual router mapping and loss (no saving)."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

    from embedlab.dual import dual_learning_rate_mapping, dual_loss, dual_router_mapping

    columns = ["anchor", "positive"] + [f"negative_{i}" for i in range(len(pairs[0]) - 2)]
    dataset = Dataset.from_dict({c: [p[i] for p in pairs] for i, c in enumerate(columns)})
    args = SentenceTransformerTrainingArguments(
        str(out_dir),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_steps=0,
        router_mapping=dual_router_mapping(columns),
        learning_rate_mapping=dual_learning_rate_mapping(config),
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
    )
    loss = dual_loss(model, config)
    return SentenceTransformerTrainer(
        model=model, args=args, train_dataset=dataset, eval_dataset=dataset, loss=loss
    ), loss
