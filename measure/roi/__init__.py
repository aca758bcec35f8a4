"""ROI: exposure features per (event, sponsor), the features table's schema, outcome models with
conformal intervals, drift checks, plots and a synthetic sample data set.

Imports nothing itself, so ``import measure.roi.features`` does not load scikit-learn.
"""
