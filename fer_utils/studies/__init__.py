"""The experiments the chapters run on top of the engine: the class-imbalance
experiment (chapter 3), hyperparameter searches (chapter 6), the architecture
comparison (chapter 8), the training recipes and their ablation (chapter 10),
and publishing a run as the reference model."""
