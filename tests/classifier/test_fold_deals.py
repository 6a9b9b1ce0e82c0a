"""The cross-validation on several deals of the patients into folds (the card's
``evaluation.fold_deals``): each deal's figures, their mean and range, in the card's limits
and on the card page."""

import json

import numpy as np
import pytest
from django.urls import reverse

from classifier.models import ModelVersion
from classifier.training import rhythm_study
from classifier.training.corpus import CorpusLead
from classifier.training.rhythm_fit import deal_folds
from classifier.training.rhythm_study import Study, fold_deals, main, measured_limits
from classifier.training.sources import Lead


def evaluations(mitdb: float, nsr: float, cinc: float, af: float | None) -> dict:
    """What ``Study._evaluations`` returns, reduced to the figures a deal reports."""

    def block(balanced: float, answered: float = 0.8, correct: float = 0.92) -> dict:
        return {
            "top_class": {
                "balanced_accuracy": {"value": balanced},
                "nsr_sensitivity": {"value": nsr},
            },
            "with_uncertain": {
                "answered_fraction": answered,
                "accuracy_on_answered": {"value": correct},
            },
        }

    cinc_block = block(cinc, 0.6, 0.94)
    cinc_block["by_original_label"] = {} if af is None else {"A": {"recall_top_class": af}}
    return {
        "mitdb_per_window": block(mitdb),
        "mitdb_per_window_mlii": block(mitdb + 0.01),
        "mitdb_per_time_window_two_leads": block(mitdb + 0.02),
        "cinc2017_per_recording": cinc_block,
    }


def test_each_deal_s_figures_are_reported_with_their_mean_and_range():
    deals = fold_deals(
        [(0, evaluations(0.885, 0.889, 0.858, 0.99)), (1, evaluations(0.849, 0.86, 0.869, None))]
    )
    assert deals["seeds"] == [0, 1]
    figures = {f["name"]: f for f in deals["figures"]}
    assert [name for name, _ in rhythm_study.DEAL_FIGURES] == list(figures)
    mitdb = figures["MIT-BIH per window: balanced accuracy"]
    assert mitdb["values"] == [0.885, 0.849]
    assert mitdb["mean"] == pytest.approx(0.867) and (mitdb["low"], mitdb["high"]) == (0.849, 0.885)
    two_leads = figures["MIT-BIH per 8 s, two leads fused: balanced accuracy"]
    assert two_leads["values"] == [pytest.approx(0.905), pytest.approx(0.869)]
    assert figures["CinC 2017 with uncertain: answered"]["values"] == [0.6, 0.6]
    af = figures["CinC 2017: AF recall"]  # a deal without the figure: left out of the mean
    assert af["values"] == [0.99, None] and af["mean"] == 0.99 and af["low"] == af["high"] == 0.99


def test_the_card_s_limits_say_how_far_the_draw_of_the_folds_moves_the_figures():
    report = evaluations(0.885, 0.889, 0.858, 0.99)
    report["mitdb_per_window"]["top_class"]["arr_sensitivity"] = {"value": 0.88}
    assert not any("deals" in line for line in measured_limits(report))
    report["fold_deals"] = fold_deals([(0, report), (1, evaluations(0.849, 0.86, 0.869, 0.98))])
    said = [line for line in measured_limits(report) if "deals of the patients" in line]
    assert said == [
        "Measured on patients it never saw: over 2 deals of the patients into folds, balanced "
        "accuracy per MIT-BIH window ranged 0.849-0.885 (mean 0.867): each deal's figure is "
        "one draw of the folds (evaluation.fold_deals)."
    ]


def patient_lead(patient: str, database: str, label: str) -> CorpusLead:
    lead = Lead(f"{patient}-I", label, patient, database, "I", np.zeros(1024))
    return CorpusLead(lead, np.full(1, label), annotated=False, original_label=label)


def test_a_study_dealt_again_shares_its_windows_and_deals_the_patients_anew():
    study = object.__new__(Study)  # no window table needed to deal folds
    study.leads = [
        patient_lead(f"{database}-{k}", database, label)
        for database, label in (("mitdb", "ARR"), ("nsrdb", "NSR"), ("cinc2017", "NSR"))
        for k in range(12)
    ]
    study.seed, study.folds = 0, deal_folds(study.leads, rhythm_study.N_FOLDS, 0)
    other = study.dealt_again(1)
    assert other.seed == 1 and other.folds == deal_folds(study.leads, rhythm_study.N_FOLDS, 1)
    assert other.folds != study.folds and other.leads is study.leads
    assert study.seed == 0  # the first deal is left as it was


@pytest.mark.parametrize("deals", ["0", "-1", "two"])
def test_evaluate_refuses_a_number_of_deals_below_one(deals, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--deals", deals])
    assert exit_.value.code == 2
    assert "--deals" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_card_page_shows_each_deal_beside_the_mean(client, clinician):
    version = ModelVersion.objects.get(name="wavecardio-cnn-v10")
    deals = json.loads(version.card_path.read_text())["evaluation"]["fold_deals"]
    client.force_login(clinician)
    page = client.get(reverse("classifier:model_card", args=[version.name])).content.decode()
    assert 'id="fold-deals"' in page
    first = deals["figures"][0]
    cells = "".join(f"<td>{100 * v:.1f} %</td>" for v in first["values"])
    assert f"<tr><td>{first['name']}</td>{cells}<td>{100 * first['mean']:.1f} %</td>" in page
    older = client.get(reverse("classifier:model_card", args=["wavecardio-cnn-v9"]))
    assert 'id="fold-deals"' not in older.content.decode()
