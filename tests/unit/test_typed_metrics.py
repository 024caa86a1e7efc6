"""Typed-pair metrics against values computed by hand."""

import numpy as np
import pytest

from relmine.gnn.metrics import confusion, macro_f1, per_class_f1, type_accuracy

# 0 = complement, 1 = substitute. 6 complements, 4 substitutes.
TRUTH = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
PRED = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0]


def test_confusion_by_hand():
    # complements: 4 right, 2 called substitute; substitutes: 3 right, 1 called complement
    assert confusion(TRUTH, PRED, 2).tolist() == [[4, 2], [1, 3]]


def test_accuracy_and_f1_by_hand():
    assert type_accuracy(TRUTH, PRED) == pytest.approx(7 / 10)
    # complement: tp 4, fp 1, fn 2 -> P 4/5, R 4/6, F1 = 2*4/(2*4+1+2) = 8/11
    # substitute: tp 3, fp 2, fn 1 -> F1 = 6/(6+2+1) = 6/9
    assert per_class_f1(TRUTH, PRED, 2) == pytest.approx([8 / 11, 6 / 9])
    assert macro_f1(TRUTH, PRED, 2) == pytest.approx((8 / 11 + 6 / 9) / 2)


def test_majority_guess_has_low_macro_f1():
    pred = [0] * 10  # always "complement"
    assert type_accuracy(TRUTH, pred) == pytest.approx(0.6)
    # complement F1 = 2*6/(12+4) = 0.75; substitute never predicted nor right: 0
    assert macro_f1(TRUTH, pred, 2) == pytest.approx(0.375)


def test_classes_absent_from_truth_do_not_count():
    assert macro_f1([0, 0, 1], [0, 2, 1], 3) == pytest.approx((2 * 1 / (2 + 1) + 1.0) / 2)
    with pytest.raises(ValueError, match="class ids"):
        confusion([0, 3], [0, 1], 2)
    with pytest.raises(ValueError, match="no typed pairs"):
        type_accuracy([], [])
    assert np.array_equal(confusion([], [], 2), np.zeros((2, 2)))
