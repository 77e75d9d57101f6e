"""Statistical models the chapters fit: buy-till-you-die CLV models, the clustering estimator,
the reason-text classifier and survival analysis."""
