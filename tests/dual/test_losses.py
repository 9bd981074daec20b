"""dual_loss: the in-batch contrastive cross-entropy, checked against the formula computed by hand."""
# ruff: noqa: F811  (pytest fixtures imported from dual_fixtures are redefined as test arguments)

from __future__ import annotations

import math
import re

import pytest
import torch
import torch.nn.functional as F
from dual_fixtures import qa_pairs  # noqa: F401  (fixture)
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from embedlab.dual import DualConfig, LearnedTemperatureRankingLoss, dual_learning_rate_mapping, dual_loss


@pytest.fixture(scope="module")
def tiny_model():
    """A real (untrained) dual model small enough to build in a second: MiniLM's tokenizer, one 32-wide layer."""
    from embedlab.dual import build_dual_model

    return build_dual_model(
        DualConfig(from_scratch=True, layers=1, hidden=32, heads=2, max_length=32, tokenizer="all-MiniLM-L6-v2")
    )


def _embeddings(n: int, dim: int = 16, columns: int = 2, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, dim, generator=g) for _ in range(columns)]


def _cos(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


def test_fixed_temperature_is_the_scaled_cross_entropy_toward_the_diagonal(tiny_model):
    loss = dual_loss(tiny_model, DualConfig(temperature=0.1))
    assert type(loss) is MultipleNegativesRankingLoss and loss.scale == pytest.approx(10.0)
    q, d = _embeddings(6)
    expected = F.cross_entropy(_cos(q, d) / 0.1, torch.arange(6))
    assert float(loss.compute_loss_from_embeddings([q, d], None)) == pytest.approx(float(expected), rel=1e-5)


def test_symmetric_averages_both_directions(tiny_model):
    loss = dual_loss(tiny_model, DualConfig(temperature=0.05, symmetric=True))
    q, d = _embeddings(5, seed=1)
    sim = _cos(q, d) / 0.05
    target = torch.arange(5)
    expected = (F.cross_entropy(sim, target) + F.cross_entropy(sim.T, target)) / 2
    assert float(loss.compute_loss_from_embeddings([q, d], None)) == pytest.approx(float(expected), rel=1e-5)
    one_way = dual_loss(tiny_model, DualConfig(temperature=0.05))
    assert float(one_way.compute_loss_from_embeddings([q, d], None)) != pytest.approx(float(expected), rel=1e-3)


def test_hard_negatives_join_the_softmax_as_extra_documents(tiny_model):
    loss = dual_loss(tiny_model, DualConfig(temperature=0.05))
    q, d, neg = _embeddings(4, columns=3, seed=2)
    sim = torch.cat([_cos(q, d), _cos(q, neg)], dim=1) / 0.05  # 4 x 8: positives first, then every hard negative
    expected = F.cross_entropy(sim, torch.arange(4))
    assert float(loss.compute_loss_from_embeddings([q, d, neg], None)) == pytest.approx(float(expected), rel=1e-5)


def test_learned_temperature_is_a_parameter_that_moves(tiny_model):
    cfg = DualConfig(temperature=0.05, learn_temperature=True, temperature_learning_rate=0.05)
    loss = dual_loss(tiny_model, cfg)
    assert isinstance(loss, LearnedTemperatureRankingLoss)
    assert loss.temperature == pytest.approx(0.05)
    assert loss.log_scale.item() == pytest.approx(math.log(20.0))
    # The trainer's learning_rate_mapping pattern must pick exactly the log-scale among the loss's parameters.
    ((pattern, lr),) = dual_learning_rate_mapping(cfg).items()
    assert lr == 0.05
    assert [n for n, _ in loss.named_parameters() if re.search(pattern, n)] == ["log_scale"]

    q, d = _embeddings(8, seed=3)
    value = loss.compute_loss_from_embeddings([q, d], None)
    value.backward()
    assert loss.log_scale.grad is not None and float(loss.log_scale.grad) != 0.0
    optimizer = torch.optim.Adam([loss.log_scale], lr=0.05)
    optimizer.step()
    assert loss.temperature != pytest.approx(0.05)
    assert loss.get_config_dict()["learned_temperature"] is True


def test_learned_scale_is_clipped_at_100(tiny_model):
    loss = dual_loss(tiny_model, DualConfig(temperature=0.05, learn_temperature=True))
    with torch.no_grad():
        loss.log_scale.fill_(math.log(1000.0))
    assert loss.temperature == pytest.approx(0.01)


def test_fixed_temperature_needs_no_learning_rate_mapping():
    assert dual_learning_rate_mapping(DualConfig()) == {}


@pytest.mark.slow
def test_learned_temperature_survives_checkpoint_and_resume(qa_pairs, tmp_path):
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from transformers import TrainerCallback

    from embedlab.dual import build_dual_model, dual_router_mapping, temperature_checkpoint_callback

    cfg = DualConfig(
        from_scratch=True,
        layers=1,
        hidden=32,
        heads=2,
        max_length=48,
        tokenizer="all-MiniLM-L6-v2",
        learn_temperature=True,
        temperature_learning_rate=0.05,
    )
    data = Dataset.from_dict({"anchor": [q for q, _ in qa_pairs], "positive": [d for _, d in qa_pairs]})

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 3:  # checkpoint-2 is on disk, step 3 is lost
                raise KeyboardInterrupt

    def run(out, *, interrupt=False, resume=False):
        model = build_dual_model(cfg)
        loss = dual_loss(model, cfg)
        args = SentenceTransformerTrainingArguments(
            str(out),
            num_train_epochs=2,
            per_device_train_batch_size=8,
            learning_rate=1e-3,
            router_mapping=dual_router_mapping(["anchor", "positive"]),
            learning_rate_mapping=dual_learning_rate_mapping(cfg),
            save_strategy="steps",
            save_steps=2,
            report_to="none",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        callbacks = [temperature_checkpoint_callback(loss)] + ([Interrupt()] if interrupt else [])
        trainer = SentenceTransformerTrainer(
            model=model, args=args, train_dataset=data, loss=loss, callbacks=callbacks
        )
        trainer.train(resume_from_checkpoint=str(out / "checkpoint-2") if resume else None)
        return loss

    full = run(tmp_path / "full")
    assert full.temperature != pytest.approx(0.05, abs=1e-4)  # it moved
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "cut", interrupt=True)
    from embedlab.train.loss_state import LOSS_STATE_FILE

    assert (tmp_path / "cut" / "checkpoint-2" / LOSS_STATE_FILE).exists()
    resumed = run(tmp_path / "cut", resume=True)
    assert resumed.log_scale.item() == pytest.approx(full.log_scale.item(), abs=1e-6)


@pytest.mark.slow
def test_hard_negative_column_trains_through_the_document_tower(qa_pairs, tmp_path):
    from dual_fixtures import make_trainer

    from embedlab.dual import build_dual_model

    cfg = DualConfig(
        from_scratch=True, layers=1, hidden=32, heads=2, max_length=48, tokenizer="all-MiniLM-L6-v2", symmetric=True
    )
    model = build_dual_model(cfg)
    # each question gets the next pair's passage as its hard negative
    triplets = [(q, d, qa_pairs[(i + 1) % len(qa_pairs)][1]) for i, (q, d) in enumerate(qa_pairs)]
    trainer, _ = make_trainer(model, cfg, triplets, tmp_path / "run", learning_rate=1e-3)
    assert trainer.args.router_mapping == {"anchor": "query", "positive": "document", "negative_0": "document"}
    before = trainer.evaluate()["eval_loss"]
    trainer.train()
    assert trainer.evaluate()["eval_loss"] < before
