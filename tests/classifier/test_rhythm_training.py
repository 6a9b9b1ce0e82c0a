"""Model v5's corpus, folds and source weighting (no network is trained here)."""

import numpy as np
import pytest

from classifier.training.corpus import CorpusLead, read_corpus, simultaneous_leads
from classifier.training.rhythm_fit import deal_folds, source_weights
from classifier.training.sources import Lead, shared_data_root


@pytest.fixture(scope="module")
def corpus():
    return read_corpus(shared_data_root(), 8.0)


def test_the_corpus_reads_all_three_folders_with_window_labels(corpus):
    databases = {item.database for item in corpus}
    assert {"mitdb", "nsrdb", "chfdb", "cinc2017", "cpsc2021", "ptbxl", "ningbo"} <= databases
    annotated = [item for item in corpus if item.annotated]
    assert len(annotated) == 2 * 38  # both leads of every annotated record
    labels = np.concatenate([item.window_labels for item in annotated])
    assert set(labels) == {"ARR", "NSR"}
    for item in corpus:
        assert len(item.window_labels) == len(item.lead.samples) // 1024


def test_mitdb_excerpts_are_replaced_by_their_annotated_records_in_training(corpus):
    excerpts = [i for i in corpus if i.database == "mitdb" and not i.annotated]
    assert excerpts and not any(item.train for item in excerpts)
    annotated_patients = {i.patient for i in corpus if i.annotated}
    assert {item.patient for item in excerpts} <= annotated_patients


def test_a_patient_lands_in_one_fold_across_folders(corpus):
    folds = deal_folds(corpus, 5, seed=0)
    assert folds["mitdb-201-202"] in range(5)
    patients_of: dict[str, set[str]] = {}
    for item in corpus:
        patients_of.setdefault(item.patient, set()).add(item.lead.id)
    # mitdb-100 has an annotated record and an excerpt in ecg/: both in the fold of the patient.
    assert any("annotated" in lead for lead in patients_of["mitdb-100"])
    assert any("annotated" not in lead for lead in patients_of["mitdb-100"])
    assert len(set(folds.values())) == 5
    assert folds["chfdb-chf01"] != folds["chfdb-chf02"]  # CHF is leave-one-patient-out
    for database in ("mitdb", "cinc2017", "nsrdb"):
        in_database = {folds[i.patient] for i in corpus if i.database == database}
        assert in_database == set(range(5)), database


def corpus_lead(name: str, recording: str, n_samples: int = 2048) -> CorpusLead:
    lead = Lead(name, "NSR", "p", "db", name.split("-")[0], np.zeros(n_samples), recording)
    return CorpusLead(lead, np.full(2, "NSR"), annotated=False, original_label="NSR")


def test_leads_recorded_together_are_grouped_by_recording():
    """Leads of one recording go together; repeated lead names (excerpts of one record at
    different times), different lengths or no recording key stand alone."""
    leads = [
        corpus_lead("I-a", "r1"),
        corpus_lead("II-a", "r1"),
        corpus_lead("II-b", "r2"),
        corpus_lead("II-c", "r2"),
        corpus_lead("I-d", "r3"),
        corpus_lead("II-d", "r3", 1024),
        corpus_lead("I-e", ""),
        corpus_lead("II-e", ""),
    ]
    assert simultaneous_leads(leads) == [[0, 1], [2], [3], [4], [5], [6], [7]]


def test_the_corpus_groups_every_annotated_record_s_two_leads(corpus):
    groups = [g for g in simultaneous_leads(corpus) if corpus[g[0]].annotated]
    assert len(groups) == 38 and all(len(g) == 2 for g in groups)
    twelve_lead = [g for g in simultaneous_leads(corpus) if corpus[g[0]].database == "ptbxl"]
    assert twelve_lead and all(len(g) > 1 for g in twelve_lead)


def test_folds_depend_on_the_seed_only(corpus):
    assert deal_folds(corpus, 5, seed=0) == deal_folds(list(reversed(corpus)), 5, seed=0)
    assert deal_folds(corpus, 5, seed=0) != deal_folds(corpus, 5, seed=1)


def test_source_weights_keep_a_large_database_from_dominating():
    databases = np.array(["big"] * 900 + ["small"] * 100)
    labels = np.array(["ARR"] * 450 + ["NSR"] * 450 + ["ARR"] * 50 + ["NSR"] * 50)
    weights = source_weights(databases, labels, exponent=0.5, chf_weight=0.5)
    assert weights.mean() == pytest.approx(1.0)
    big, small = weights[databases == "big"].sum(), weights[databases == "small"].sum()
    assert big / small == pytest.approx(np.sqrt(900 / 100))  # not 9 to 1
    for name in ("ARR", "NSR"):
        assert weights[labels == name].sum() == pytest.approx(500.0)


def test_chf_weighs_half_a_class():
    databases = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 4)
    labels = np.array(["ARR"] * 10 + ["NSR"] * 10 + ["CHF"] * 4)
    weights = source_weights(databases, labels, exponent=0.5, chf_weight=0.5)
    arr, chf = weights[labels == "ARR"].sum(), weights[labels == "CHF"].sum()
    assert chf / arr == pytest.approx(0.5)


@pytest.fixture(scope="module")
def small_table(corpus):
    """Both leads of ten annotated records and 200 CinC recordings: rhythm context only."""
    from classifier.core.cwt import ScalogramSpec
    from classifier.core.features import RHYTHM_CONTEXT
    from classifier.training.corpus import window_table

    mitdb = [i for i in corpus if i.annotated][:20]
    cinc = [i for i in corpus if i.database == "cinc2017"][:200]
    return window_table(mitdb + cinc, ScalogramSpec(), (RHYTHM_CONTEXT,))


def test_reading_more_windows_of_long_records_keeps_the_balance_between_databases(small_table):
    from classifier.training.rhythm_fit import RhythmRecipe, training_rows, training_weights

    table = small_table
    everyone = np.ones(len(table.leads), dtype=bool)
    databases = table.lead_values("database")

    def shares(recipe):
        rows = training_rows(table, everyone, recipe.max_train_windows_per_lead)
        weights = training_weights(table, rows, recipe)
        in_db = {db: databases[rows] == db for db in ("mitdb", "cinc2017")}
        return {db: weights[mask].sum() / len(rows) for db, mask in in_db.items()}

    capped = shares(RhythmRecipe(max_train_windows_per_lead=20, balance_windows_per_lead=None))
    more = shares(RhythmRecipe(max_train_windows_per_lead=200, balance_windows_per_lead=None))
    balanced = shares(RhythmRecipe(max_train_windows_per_lead=200, balance_windows_per_lead=20))
    assert more["mitdb"] / more["cinc2017"] > 1.5 * capped["mitdb"] / capped["cinc2017"]
    assert balanced["mitdb"] / balanced["cinc2017"] == pytest.approx(
        capped["mitdb"] / capped["cinc2017"]
    )


def test_the_rhythm_stage_scores_each_group_with_trees_that_never_saw_it(small_table, monkeypatch):
    from classifier.training import rhythm_stage
    from classifier.training.rhythm_fit import HeldOutLogits

    table = small_table
    patients = np.array([item.patient for item in table.leads])
    first_half = np.isin(patients, np.unique(patients)[::2])
    groups = [first_half, ~first_half]
    network = HeldOutLogits(np.zeros((len(table), 3), np.float32), np.zeros(len(table)), 0.0)
    seen = []
    fit = rhythm_stage.fit_trees

    def fit_and_note(table, logits, allowed, recipe, seed):
        seen.append(allowed)
        return fit(table, logits, allowed, recipe, seed)

    monkeypatch.setattr(rhythm_stage, "fit_trees", fit_and_note)
    recipe = rhythm_stage.StageRecipe(max_iter=20)
    held = rhythm_stage.stage_logits(table, network, network, groups, recipe, seed=0)
    assert np.isfinite(held.logits).all()
    for allowed, group in zip(seen, groups, strict=True):
        assert not (allowed & group).any()  # trees never read the group they score
    annotated = table.lead_values("annotated")
    called = np.array(["ARR", "CHF", "NSR"])[held.logits.argmax(axis=1)]
    truth = table.labels
    sensitivities = [np.mean(called[annotated & (truth == c)] == c) for c in ("ARR", "NSR")]
    assert np.mean(sensitivities) > 0.65  # rhythm features alone, on patients never seen


def test_serving_reads_the_inputs_training_learnt_from(card_path, tmp_path, monkeypatch):
    """Record 201 (atrial fibrillation, ectopy; R-peaks fused over its two leads) uploaded as
    WFDB and classified: every input of every window the model is sent, and every row its
    rhythm stage reads (the leads' logits at that time too, v10 on), equals, bit for bit,
    what training builds for that record (once, training read the tail past the last whole
    window and serving did not)."""
    from classifier.core import pipeline
    from classifier.core.model import load_model
    from classifier.core.signal import load_wfdb_record
    from classifier.training.corpus import read_annotated_records, window_table
    from classifier.training.rhythm_stage import StageRecipe, stage_rows
    from tests.classifier.test_annotations import MITDB

    for suffix in (".hea", ".dat", ".atr"):
        (tmp_path / f"201{suffix}").symlink_to(MITDB / f"201{suffix}")
    model = load_model(card_path)
    card, trees = model.card, model.trees
    assert card.stage is not None and trees is not None
    records = read_annotated_records(tmp_path, card.spec.window_s)
    table = window_table(records, card.spec, card.all_inputs, card.r_peaks)
    sent, read = [], []
    predict, walk = model.predict, trees.logits

    def sending(inputs, slots=None):
        sent.append(inputs)
        return predict(inputs, slots)

    class Reading:
        def logits(self, rows):
            read.append(rows)
            return walk(rows)

    monkeypatch.setattr(model, "predict", sending)
    monkeypatch.setattr(model, "trees", Reading())
    pipeline.classify(load_wfdb_record(MITDB / "201.hea"), model)
    assert card.r_peaks == "fused_leads" and len(table) == 2 * 225
    for kind in card.all_inputs:
        served = np.concatenate([inputs[kind] for inputs in sent])
        np.testing.assert_array_equal(served, table.inputs[kind], err_msg=kind)
    rows = np.concatenate(read)
    network = rows[:, :3].astype(np.float32)  # the served network's logits
    recipe = StageRecipe(inputs=card.stage.inputs, cross_lead=card.stage.cross_lead)
    np.testing.assert_array_equal(rows, stage_rows(table, network, np.arange(len(table)), recipe))
