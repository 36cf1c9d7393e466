"""Training: segment sampling, paired clip datasets, the resumable fit loop, stage entry points."""
